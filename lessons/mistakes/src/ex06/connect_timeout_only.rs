//! Wrong: a connect timeout only: a peer that accepted the connection and went quiet holds the call, and the worker making it, for ever.

use std::time::Duration;

pub use solutions::ex06_bounded_pool::{Busy, Pool};

pub fn upstream_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_millis(500))
        .build()
        .expect("a plain-HTTP client always builds")
}
