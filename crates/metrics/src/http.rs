//! HTTP instrumentation for any axum router: [`HttpMetrics`] counts requests by route,
//! method and status and times them, as a middleware layer; [`metrics_router`] serves a
//! registry on `GET /metrics`. The route label is the matched route pattern (e.g.
//! `/subjects/{subject}/versions`), never the raw path, so callers cannot grow the
//! series count; unmatched requests share the route `unmatched`.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::Result;
use crate::instrument::{Counter, Histogram, LATENCY_BUCKETS};
use crate::registry::{Family, Registry};
use crate::text::CONTENT_TYPE;

/// Request counts and latencies of one service's HTTP surface.
#[derive(Clone, Debug)]
pub struct HttpMetrics {
    requests: Family<Counter>,
    duration: Family<Histogram>,
}

impl HttpMetrics {
    /// Defines `aion_<component>_http_requests_total{route,method,status}` and
    /// `aion_<component>_http_request_duration_seconds{route,method}` in `registry`.
    pub fn new(registry: &Registry, component: &str) -> Result<HttpMetrics> {
        let component = component.replace('-', "_");
        Ok(HttpMetrics {
            requests: registry.counter_family(
                &format!("aion_{component}_http_requests_total"),
                "HTTP requests answered, by route pattern, method and status.",
                &["route", "method", "status"],
            )?,
            duration: registry.histogram_family(
                &format!("aion_{component}_http_request_duration_seconds"),
                "Time from a request's arrival to its answer, by route pattern and method.",
                &["route", "method"],
                &LATENCY_BUCKETS,
            )?,
        })
    }

    /// `router` with every request counted and timed.
    pub fn layer<S: Clone + Send + Sync + 'static>(&self, router: Router<S>) -> Router<S> {
        router.layer(middleware::from_fn_with_state(self.clone(), track))
    }
}

async fn track(State(metrics): State<HttpMetrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let method = method_label(request.method());

    let response = next.run(request).await;

    let route = route.as_deref().unwrap_or("unmatched");
    let status = response.status();
    let status = status.as_str();
    metrics.requests.with(&[route, method, status]).inc();
    metrics
        .duration
        .with(&[route, method])
        .observe_duration(started.elapsed());
    response
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// A router serving `registry` on `GET /metrics`, to merge into a service's router.
pub fn metrics_router<S: Clone + Send + Sync + 'static>(registry: Registry) -> Router<S> {
    Router::new().route(
        "/metrics",
        get(move || {
            let registry = registry.clone();
            async move {
                let page = registry.render();
                ([(header::CONTENT_TYPE, CONTENT_TYPE)], page).into_response()
            }
        }),
    )
}
