//! Wrong: connect and read timeouts only: a silent peer is given up on, but one that sends its headers and then trickles the body a byte at a time resets the read timeout with every byte and holds the call for as long as it likes.

use std::time::Duration;

pub use solutions::ex06_bounded_pool::{Busy, Pool};

pub fn upstream_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_millis(500))
        .read_timeout(Duration::from_secs(1))
        .build()
        .expect("a plain-HTTP client always builds")
}
