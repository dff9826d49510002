"""The events of one end-to-end run and what the job must make of them.

Every name carries the run id and the two days are drawn at random far in the past, so
the assertions hold however much other data the shared catalog topics carry."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

TIERS = ["public", "internal", "confidential", "restricted"]
OUTCOMES = ["succeeded", "failed", "cancelled"]
TASKS_PER_DAY = (7, 5)


def rfc3339(at: dt.datetime) -> str:
    """UTC with microseconds and a Z, as the schemas want it."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Task:
    """One attempt of a task of the scenario (most tasks have one), with what the job
    must report for it. `duration_ms` runs from the attempt's queueing to its end."""

    task_id: str
    day: dt.date
    tier: str
    route: str
    decided_at: dt.datetime
    outcome: str
    duration_ms: float
    running_ms: float
    latency_ms: float
    attempt: int = 1
    #: When the task was created; a retry's is its first attempt's queueing.
    created_at: dt.datetime | None = None
    decision_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def queued_at(self) -> dt.datetime:
        return self.decided_at - dt.timedelta(milliseconds=200)

    @property
    def ended_at(self) -> dt.datetime:
        return self.queued_at + dt.timedelta(milliseconds=self.duration_ms)

    @property
    def ended_on(self) -> dt.date:
        """The day the attempt ended: its outcome's partition."""
        return self.ended_at.date()

    @property
    def since_creation_ms(self) -> float:
        """What the job reports as the outcome's duration: creation to this end."""
        created = self.created_at or self.queued_at
        return (self.ended_at - created).total_seconds() * 1000.0


@dataclass
class Scenario:
    """The events to publish and the expected outputs."""

    run: str
    days: tuple[dt.date, dt.date]
    routes: tuple[str, str]
    tasks: list[Task] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    lifecycle: list[dict[str, Any]] = field(default_factory=list)
    #: Key of each record written raw -> the reason the quarantine must give.
    quarantined: dict[str, str] = field(default_factory=dict)
    #: A task whose end is published only after the job's first run.
    pending: Task | None = None

    def expected_per_minute(self) -> Counter[tuple[dt.datetime, str, str]]:
        """Decisions per (minute, tier, route); the replayed event counts once."""
        return Counter(
            (t.decided_at.replace(second=0, microsecond=0), t.tier, t.route) for t in self.tasks
        )

    def tasks_of(self, day: dt.date) -> list[Task]:
        """The scenario's task attempts decided on `day`."""
        return [t for t in self.tasks if t.day == day]


def build(run: str | None = None) -> Scenario:
    """A scenario for a fresh run id: tasks on two consecutive days (the first day's last
    one ending after midnight), a replayed decision, and a late sentinel decision on the
    third day that moves the watermark past them."""
    run = run or uuid.uuid4().hex[:10]
    rng = random.Random(run)
    first = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(0, 1800))
    days = (first, first + dt.timedelta(days=1))
    routes = (f"eu-gpu-{run}", f"us-api-{run}")
    scenario = Scenario(run=run, days=days, routes=routes)

    for day, count in zip(days, TASKS_PER_DAY, strict=True):
        start = dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)
        for i in range(count):
            decided = start + dt.timedelta(seconds=25 * i, microseconds=1000 * i)
            if day == first and i == count - 1:
                # Decided just before midnight, ended just after: its outcome falls on
                # the next day, and its decision's day must still get its label.
                decided = start.replace(hour=23, minute=59, second=55)
            task = Task(
                task_id=f"t-{run}-{day:%Y%m%d}-{i}",
                day=day,
                tier=TIERS[(i // 4) % len(TIERS)],
                route=routes[(i // 2) % 2],
                decided_at=decided,
                outcome=OUTCOMES[i % len(OUTCOMES)],
                duration_ms=1000.0 * (i + 2),
                running_ms=500.0 * (i + 1),
                latency_ms=1.5 + i,
            )
            scenario.tasks.append(task)
            scenario.decisions.append(decision(task))
            scenario.lifecycle.extend(transitions(task))

    # A task retried after a failure: a second routing decision and a second attempt,
    # which the training view must pair with the second decision only.
    first_try = Task(
        task_id=f"t-{run}-{days[1]:%Y%m%d}-retried",
        day=days[1],
        tier="internal",
        route=routes[0],
        decided_at=dt.datetime.combine(days[1], dt.time(11, 0), tzinfo=dt.UTC),
        outcome="failed",
        duration_ms=3000.0,
        running_ms=1000.0,
        latency_ms=2.25,
    )
    second_try = Task(
        task_id=first_try.task_id,
        day=days[1],
        tier=first_try.tier,
        route=first_try.route,
        decided_at=first_try.ended_at + dt.timedelta(seconds=7, milliseconds=200),
        outcome="succeeded",
        duration_ms=4000.0,
        running_ms=2000.0,
        latency_ms=3.25,
        attempt=2,
        created_at=first_try.queued_at,
    )
    for task in (first_try, second_try):
        scenario.tasks.append(task)
        scenario.decisions.append(decision(task))
        scenario.lifecycle.extend(transitions(task))

    # A replay: the same decision event delivered twice.
    scenario.decisions.append(dict(scenario.decisions[0]))

    late = dt.datetime.combine(days[1] + dt.timedelta(days=1), dt.time(12), dt.UTC)
    sentinel = Task(f"t-{run}-sentinel", late.date(), "public", routes[0], late, "", 0, 0, 1.0)
    scenario.decisions.append(decision(sentinel))

    # A task created before the job's first run and ended after it: its outcome needs the
    # creation that the first run kept in the checkpoint's join state. It lives on the
    # sentinel's day, outside the two days the other checks look at.
    pending = Task(
        task_id=f"t-{run}-pending",
        day=late.date(),
        tier="confidential",
        route=routes[1],
        decided_at=late - dt.timedelta(hours=1),
        outcome="succeeded",
        duration_ms=30000.0,
        running_ms=10000.0,
        latency_ms=4.0,
    )
    scenario.pending = pending
    scenario.decisions.append(decision(pending))
    scenario.lifecycle.extend(transitions(pending)[:-1])
    return scenario


def decision(task: Task) -> dict[str, Any]:
    """The router's decision event for a task."""
    other = "us-api" if task.route.startswith("eu") else "eu-gpu"
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": "router.decision.made",
        "occurred_at": rfc3339(task.decided_at),
        "producer": "task-router",
        "task_id": task.task_id,
        "decision_id": task.decision_id,
        "tenant_id": "acme",
        "task_kind": "chat",
        "privacy_tier": task.tier,
        "selected": {
            "route": task.route,
            "model": "llama-3.1-70b-instruct",
            "provider": "self-hosted",
            "score": 0.9,
        },
        "candidates": [
            {
                "route": task.route,
                "model": "llama-3.1-70b-instruct",
                "score": 0.9,
                "eligible": True,
                "estimated_cost_usd": 0.002,
            },
            {
                "route": other,
                "model": "gpt-4o",
                "score": 0.95,
                "eligible": False,
                "rejection_reason": "privacy_tier",
            },
        ],
        "policy": {"policy_id": "default-eu", "version": 7, "rule": "tier-bound"},
        "latency_ms": task.latency_ms,
        "fallback": False,
    }


def transitions(task: Task) -> list[dict[str, Any]]:
    """Lifecycle events of an attempt: queued (created, or re-queued after a failure),
    routed, running, then its outcome."""
    queued = task.queued_at
    routed = task.decided_at
    running = task.decided_at + dt.timedelta(milliseconds=task.duration_ms - 200 - task.running_ms)
    ended = task.ended_at
    requeued_from = None if task.attempt == 1 else "failed"
    steps: list[tuple[dt.datetime, str | None, str, float | None]] = [
        (queued, requeued_from, "queued", None),
        (routed, "queued", "routed", 200.0),
        (running, "routed", "running", None),
        (ended, "running", task.outcome, task.running_ms),
    ]
    events = []
    for at, before, after, spent in steps:
        event: dict[str, Any] = {
            "event_id": str(uuid.uuid4()),
            "event_type": "task.state.changed",
            "occurred_at": rfc3339(at),
            "producer": "task-scheduler",
            "task_id": task.task_id,
            "tenant_id": "acme",
            "to_state": after,
            "attempt": task.attempt,
        }
        if before is not None:
            event["from_state"] = before
            event["route"] = task.route
            event["model"] = "llama-3.1-70b-instruct"
        if spent is not None:
            event["duration_ms"] = spent
        if after == "failed":
            event["error"] = {
                "code": "PROVIDER_5XX",
                "message": "upstream failed",
                "retryable": True,
                "category": "provider_error",
            }
        events.append(event)
    return events
