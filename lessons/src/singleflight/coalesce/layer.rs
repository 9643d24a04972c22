//! The tower layer: `CoalesceLayer` configures, `Coalesce<S>` serves.

use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode, Version, header};
use http_body::Body;
use http_body_util::{BodyExt, Either, Full, Limited};
use tokio::sync::oneshot;
use tower::{Layer, Service, ServiceExt};

use super::key::{CoalesceKey, coalescing_key};
use super::share::may_share;
use crate::singleflight::{FlightError, Group};

/// The body of a response from [`Coalesce`]: the service's own body (a caller's own
/// run, streamed as it comes), or a buffered one (a replay, or an error the layer
/// wrote).
pub type CoalesceBody<B> = Either<B, Full<Bytes>>;

/// Any error a body can fail with.
pub(super) type BoxError = Box<dyn std::error::Error + Send + Sync>;

type KeyHook = Arc<dyn Fn(&Parts) -> Option<String> + Send + Sync>;
type ShareRule = Arc<dyn Fn(&HeaderMap) -> bool + Send + Sync>;

// ANCHOR: layer
/// Coalesces concurrent identical GET and HEAD requests: one run of the service per
/// flight, its response replayed to every caller when it may be shared.
///
/// ```
/// use std::convert::Infallible;
///
/// use bytes::Bytes;
/// use http::{Request, Response};
/// use http_body_util::{BodyExt, Empty, Full};
/// use lessons::singleflight::coalesce::CoalesceLayer;
/// use tower::{ServiceBuilder, ServiceExt, service_fn};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let service = ServiceBuilder::new()
///     .layer(CoalesceLayer::new().max_body(64 * 1024))
///     .service(service_fn(|_request: Request<Empty<Bytes>>| async {
///         Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("report"))))
///     }));
/// let request = Request::get("http://example.com/report").body(Empty::new()).unwrap();
/// let response = service.oneshot(request).await.unwrap();
/// let body = response.into_body().collect().await.unwrap().to_bytes();
/// assert_eq!(body, "report");
/// # }
/// ```
#[derive(Clone)]
pub struct CoalesceLayer {
    shared: Arc<Shared>,
}

/// What every service the layer makes shares: its settings, and one group of flights.
struct Shared {
    flights: Group<CoalesceKey, Flown, Failure>,
    max_body: usize,
    key_with: Option<KeyHook>,
    share_when: ShareRule,
    /// Keys whose last response could not be shared: the next crowd for one of them
    /// goes straight to the service instead of waiting on a flight first.
    unshareable: moka::sync::Cache<CoalesceKey, ()>,
}

impl Default for CoalesceLayer {
    fn default() -> Self {
        CoalesceLayer::new()
    }
}

impl CoalesceLayer {
    /// Buffered bodies up to 1 MiB, flights of at most 30 s, the default key and the
    /// default sharing rule ([`may_share`]); unshareable keys remembered for 10 s.
    pub fn new() -> Self {
        CoalesceLayer {
            shared: Arc::new(Shared {
                flights: Group::with_deadline(Duration::from_secs(30)),
                max_body: 1 << 20,
                key_with: None,
                share_when: Arc::new(may_share),
                unshareable: unshareable_for(Duration::from_secs(10)),
            }),
        }
    }

    /// The largest response body buffered to share. A response with a larger body, or
    /// with no known length (a stream), reaches its own caller as it comes, unbuffered.
    pub fn max_body(self, bytes: usize) -> Self {
        self.with(|shared| shared.max_body = bytes)
    }

    /// Adds what the service knows to every key: `Some(id)` joins the key, `None`
    /// sends the request straight through, never coalesced. For an identity that an
    /// auth layer put in the request's extensions; this layer must then sit inside
    /// the auth layer, so that the extensions are there when it runs.
    pub fn key_with(self, hook: impl Fn(&Parts) -> Option<String> + Send + Sync + 'static) -> Self {
        self.with(|shared| shared.key_with = Some(Arc::new(hook)))
    }

    /// Replaces the sharing rule: given a response's headers, whether every caller of
    /// its flight may get it.
    pub fn share_when(self, rule: impl Fn(&HeaderMap) -> bool + Send + Sync + 'static) -> Self {
        self.with(|shared| shared.share_when = Arc::new(rule))
    }

    /// How long a flight may take: then every caller gets a 504, the key is free at
    /// once, and the hung run is dropped.
    pub fn flight_deadline(self, deadline: Duration) -> Self {
        self.with(|shared| shared.flights = Group::with_deadline(deadline))
    }

    /// How long a key whose response could not be shared goes straight through.
    pub fn remember_unshareable(self, period: Duration) -> Self {
        self.with(|shared| shared.unshareable = unshareable_for(period))
    }

    /// Flights under way now.
    pub fn in_flight(&self) -> usize {
        self.shared.flights.in_flight()
    }

    /// For a graceful shutdown: waits up to `grace` for runs that went on after their
    /// first caller left, then drops those still running. Returns how many it dropped.
    pub async fn shutdown(&self, grace: Duration) -> usize {
        self.shared.flights.shutdown(grace).await
    }

    fn with(self, change: impl FnOnce(&mut Shared)) -> Self {
        let mut shared = Arc::try_unwrap(self.shared)
            .unwrap_or_else(|_| panic!("configure a CoalesceLayer before it makes a service"));
        change(&mut shared);
        CoalesceLayer {
            shared: Arc::new(shared),
        }
    }
}

fn unshareable_for(period: Duration) -> moka::sync::Cache<CoalesceKey, ()> {
    moka::sync::Cache::builder()
        .max_capacity(10_000)
        .time_to_live(period)
        .build()
}

impl<S> Layer<S> for CoalesceLayer {
    type Service = Coalesce<S>;

    fn layer(&self, inner: S) -> Coalesce<S> {
        Coalesce {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// The service [`CoalesceLayer`] wraps around another.
#[derive(Clone)]
pub struct Coalesce<S> {
    inner: S,
    shared: Arc<Shared>,
}
// ANCHOR_END: layer

/// What a flight hands its callers.
#[derive(Clone)]
enum Flown {
    /// The response, buffered: a replay for each caller.
    Shared(Arc<Buffered>),
    /// The response may not be shared: it went to the caller whose request made it,
    /// and every other caller runs its own.
    NotShared,
}

/// Why a flight gave no response to share.
#[derive(Clone, Debug)]
enum Failure {
    /// The service failed; its caller got the error, the others a 502.
    Service,
    /// The body broke off (or ran past the length it announced).
    BodyFailed,
}

/// A response held in memory, to be replayed to every caller of a flight.
struct Buffered {
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Coalesce<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<CoalesceBody<ResBody>>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(context)
    }

    // ANCHOR: call
    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The clone that was made ready runs this request; a fresh clone stays behind.
        let ready = self.inner.clone();
        let ready = std::mem::replace(&mut self.inner, ready);
        let shared = self.shared.clone();

        let (head, body) = request.into_parts();
        let key = shared.key(&head);
        let request = Request::from_parts(head, body);
        let Some(key) = key.filter(|key| !shared.unshareable.contains_key(key)) else {
            return Box::pin(own_run(ready, request));
        };

        // The request stays with its caller until a flight takes it: a caller whose
        // flight cannot share its response still has its own request to run.
        let request = Arc::new(Mutex::new(Some(request)));
        let (mine, my_response) = oneshot::channel();
        let work = shared.clone().fly(ready, request.clone(), mine);
        let fresh = self.inner.clone();
        Box::pin(async move {
            let outcome = shared.flights.run(key.clone(), work).await;
            match outcome.result {
                Ok(Flown::Shared(response)) => Ok(response.replay()),
                Ok(Flown::NotShared) => {
                    match my_response.await {
                        // This caller's request made the response: it is its own. It
                        // alone remembers the key, once for the whole crowd.
                        Ok(response) => {
                            shared.unshareable.insert(key, ());
                            response.map(|response| response.map(Either::Left))
                        }
                        Err(_) => {
                            let request = take(&request).expect("a waiter's request is unused");
                            own_run(fresh, request).await
                        }
                    }
                }
                Err(FlightError::Failed(Failure::Service)) => match my_response.await {
                    Ok(result) => result.map(|response| response.map(Either::Left)),
                    Err(_) => Ok(error(StatusCode::BAD_GATEWAY, "the shared request failed")),
                },
                Err(FlightError::Failed(Failure::BodyFailed)) => Ok(error(
                    StatusCode::BAD_GATEWAY,
                    "the response body broke off",
                )),
                Err(FlightError::Panicked(_)) => Ok(error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the service panicked",
                )),
                Err(FlightError::TimedOut) => Ok(error(
                    StatusCode::GATEWAY_TIMEOUT,
                    "the shared request passed its deadline",
                )),
                Err(FlightError::Abandoned) => Ok(error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the server is shutting down",
                )),
            }
        })
    }
    // ANCHOR_END: call
}

impl Shared {
    /// The default key, and what the service adds to it.
    fn key(&self, head: &Parts) -> Option<CoalesceKey> {
        let mut key = coalescing_key(head)?;
        if let Some(hook) = &self.key_with {
            key.added = Some(hook(head)?);
        }
        Some(key)
    }

    // ANCHOR: fly
    /// The work of one flight, run only if this caller is the first: the request, then
    /// the verdict on its response. A response that may not be shared goes to this
    /// caller through `mine`, untouched, streaming if it streams.
    async fn fly<S, ReqBody, ResBody>(
        self: Arc<Self>,
        service: S,
        request: Arc<Mutex<Option<Request<ReqBody>>>>,
        mine: oneshot::Sender<Result<Response<ResBody>, S::Error>>,
    ) -> Result<Flown, Failure>
    where
        S: Service<Request<ReqBody>, Response = Response<ResBody>>,
        ResBody: Body<Data = Bytes>,
        ResBody::Error: Into<BoxError>,
    {
        let request = take(&request).expect("a flight's request is taken once");
        let response = match service.oneshot(request).await {
            Ok(response) => response,
            Err(failed) => {
                let _ = mine.send(Err(failed));
                return Err(Failure::Service);
            }
        };
        let length = response.body().size_hint().exact();
        let fits = length.is_some_and(|length| length <= self.max_body as u64);
        if !fits || !(self.share_when)(response.headers()) {
            let _ = mine.send(Ok(response));
            return Ok(Flown::NotShared);
        }
        let (head, body) = response.into_parts();
        // The body announced a length within the cap; the limit holds it to that.
        let Ok(body) = Limited::new(body, self.max_body).collect().await else {
            return Err(Failure::BodyFailed);
        };
        Ok(Flown::Shared(Arc::new(Buffered {
            status: head.status,
            version: head.version,
            headers: head.headers,
            body: body.to_bytes(),
        })))
    }
    // ANCHOR_END: fly
}

impl Buffered {
    fn replay<B>(&self) -> Response<CoalesceBody<B>> {
        let mut response = Response::new(Either::Right(Full::new(self.body.clone())));
        *response.status_mut() = self.status;
        *response.version_mut() = self.version;
        *response.headers_mut() = self.headers.clone();
        response
    }
}

/// A request that is not coalesced: straight to the service, its response as it comes.
async fn own_run<S, ReqBody, ResBody>(
    service: S,
    request: Request<ReqBody>,
) -> Result<Response<CoalesceBody<ResBody>>, S::Error>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    let response = service.oneshot(request).await?;
    Ok(response.map(Either::Left))
}

/// An answer the layer writes itself, in plain text.
fn error<B>(status: StatusCode, message: &str) -> Response<CoalesceBody<B>> {
    let mut response = Response::new(Either::Right(Full::new(Bytes::from(format!(
        "{message}\n"
    )))));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn take<B>(request: &Mutex<Option<Request<B>>>) -> Option<Request<B>> {
    request
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
}
