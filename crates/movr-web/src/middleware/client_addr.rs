//! Who the client is, for per-client limits: the socket peer, or, behind
//! the deployment's own proxies, the `X-Forwarded-For` entry they vouch for.
//!
//! Each proxy appends to `X-Forwarded-For`; anything the client sent comes
//! before. With `TRUSTED_PROXY_HOPS = N`, the N-th entry from the right is
//! the address the outermost trusted proxy saw, which a client cannot
//! forge. With `0` (the default) the header is ignored. A request with
//! fewer entries than that did not come through the proxies (a probe from
//! inside the cluster): its peer counts. This trusts that the instances
//! are reachable only through those proxies.

use std::net::{IpAddr, Ipv6Addr};

use poem::{Endpoint, FromRequest, Middleware, Request, RequestBody, Result};

/// The middleware that works out each request's [`ClientAddr`].
#[derive(Debug, Clone, Copy)]
pub struct ClientAddrs {
    trusted_proxy_hops: usize,
}

impl ClientAddrs {
    /// Trusts the last `trusted_proxy_hops` entries of `X-Forwarded-For`.
    pub fn new(trusted_proxy_hops: usize) -> Self {
        Self { trusted_proxy_hops }
    }
}

/// The client's address as rate limits count it: IPv6 addresses by their
/// /64 network (one host typically holds a whole /64). `None` when the
/// listener has no IP peer (not the case with TCP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<E: Endpoint> Middleware<E> for ClientAddrs {
    type Output = ClientAddrsEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        ClientAddrsEndpoint {
            inner,
            trusted_proxy_hops: self.trusted_proxy_hops,
        }
    }
}

/// [`ClientAddrs`] around an endpoint.
#[derive(Debug)]
pub struct ClientAddrsEndpoint<E> {
    inner: E,
    trusted_proxy_hops: usize,
}

impl<E: Endpoint> Endpoint for ClientAddrsEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let peer = req.remote_addr().as_socket_addr().map(|addr| addr.ip());
        let client = match self.trusted_proxy_hops {
            // No proxy trusted: the header is not even read.
            0 => peer,
            hops => {
                let forwarded = req
                    .headers()
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|value| value.to_str().ok())
                    .flat_map(|value| value.split(','))
                    .map(str::trim)
                    .collect::<Vec<_>>();
                resolve(peer, &forwarded, hops)
            }
        }
        .map(network);
        req.extensions_mut().insert(ClientAddr(client));
        self.inner.call(req).await
    }
}

impl<'a> FromRequest<'a> for ClientAddr {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> Result<Self> {
        Ok(match req.extensions().get::<ClientAddr>() {
            Some(client) => *client,
            // Outside the middleware (never in the app): the peer.
            None => ClientAddr(req.remote_addr().as_socket_addr().map(|a| a.ip())),
        })
    }
}

/// The address `hops` entries from the right of `forwarded`, else `peer`.
fn resolve(peer: Option<IpAddr>, forwarded: &[&str], hops: usize) -> Option<IpAddr> {
    if hops == 0 || forwarded.len() < hops {
        return peer;
    }
    forwarded[forwarded.len() - hops].parse().ok().or(peer)
}

/// IPv6 addresses by their /64 network; IPv4 (and IPv4-mapped) as they are.
fn network(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1_u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().expect("an address"))
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let peer = ip("203.0.113.9");
        assert_eq!(resolve(peer, &["198.51.100.1"], 0), peer);
        assert_eq!(resolve(peer, &[], 0), peer);
    }

    #[test]
    fn the_entry_the_trusted_proxies_added_counts() {
        let peer = ip("10.0.0.5");
        // GKE's load balancer appends "<client>, <its own address>".
        let forwarded = ["1.2.3.4", "203.0.113.7", "130.211.0.1"];
        assert_eq!(resolve(peer, &forwarded, 2), ip("203.0.113.7"));
        assert_eq!(resolve(peer, &forwarded, 1), ip("130.211.0.1"));
        // Fewer entries than proxies: not through them; garbage: the peer.
        assert_eq!(resolve(peer, &["203.0.113.7"], 2), peer);
        assert_eq!(resolve(peer, &["not an address", "130.211.0.1"], 2), peer);
    }

    #[test]
    fn ipv6_clients_count_by_their_64_network() {
        let a = network("2001:db8:1:2:aaaa::1".parse().expect("v6"));
        let b = network("2001:db8:1:2:bbbb::9".parse().expect("v6"));
        let other = network("2001:db8:1:3::1".parse().expect("v6"));
        assert_eq!(a, b);
        assert_ne!(a, other);
        assert_eq!(
            network("::ffff:192.0.2.1".parse().expect("mapped")),
            "192.0.2.1".parse::<IpAddr>().expect("v4")
        );
    }
}
