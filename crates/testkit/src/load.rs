//! What the load drivers report of a phase: requests per second and latency percentiles,
//! from the latency of every request the phase answered.

use std::time::Duration;

/// A load phase's figures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhaseFigures {
    /// Answered requests per second over the phase.
    pub rate: f64,
    /// Median latency, in milliseconds.
    pub p50_ms: f64,
    /// 99th-percentile latency, in milliseconds.
    pub p99_ms: f64,
}

impl PhaseFigures {
    /// Figures of a phase that lasted `elapsed` and answered requests with the latencies
    /// `micros` (in microseconds, any order). A phase that answered nothing has a rate of
    /// zero and no percentiles (NaN).
    pub fn from_latencies(mut micros: Vec<u32>, elapsed: Duration) -> PhaseFigures {
        micros.sort_unstable();
        let percentile = |p: f64| {
            let last = micros.len().checked_sub(1)?;
            let index = ((micros.len() as f64 * p) as usize).min(last);
            Some(f64::from(micros[index]) / 1000.0)
        };

        PhaseFigures {
            rate: micros.len() as f64 / elapsed.as_secs_f64(),
            p50_ms: percentile(0.50).unwrap_or(f64::NAN),
            p99_ms: percentile(0.99).unwrap_or(f64::NAN),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_of_a_hundred_requests() {
        let micros: Vec<u32> = (1..=100).rev().map(|n| n * 1000).collect();

        let figures = PhaseFigures::from_latencies(micros, Duration::from_secs(2));

        assert_eq!(figures.rate, 50.0);
        assert_eq!(figures.p50_ms, 51.0);
        assert_eq!(figures.p99_ms, 100.0);
    }

    #[test]
    fn a_phase_without_answers_has_no_percentiles() {
        let figures = PhaseFigures::from_latencies(Vec::new(), Duration::from_secs(1));

        assert_eq!(figures.rate, 0.0);
        assert!(figures.p50_ms.is_nan() && figures.p99_ms.is_nan());
    }
}
