//! Connection URLs as PostgreSQL and CockroachDB users write them, and the
//! TLS they ask for.
//!
//! tokio-postgres understands `sslmode=disable|prefer|require` only, and
//! neither `sslrootcert`, `sslcert`, `sslkey` nor the `cockroachdb://`
//! scheme, so those are taken out of the URL here and applied with rustls,
//! with libpq's meaning:
//!
//! | `sslmode` | encrypted | server certificate checked |
//! | --- | --- | --- |
//! | `disable` | no | — |
//! | `allow`, `prefer` (default) | if the server offers it | no |
//! | `require` | yes | no (as `verify-ca` when `sslrootcert` is given) |
//! | `verify-ca` | yes | signed by `sslrootcert` |
//! | `verify-full` | yes | signed by `sslrootcert` and issued for the host |
//!
//! `sslcert` and `sslkey` present a client certificate (CockroachDB's
//! certificate authentication). Several hosts (`host1:26257,host2:26257`)
//! are tried in order.

use std::path::Path;
use std::sync::Arc;

use diesel::ConnectionError;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres::config::SslMode as PgSslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// How much TLS a connection asks for (libpq's `sslmode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP.
    Disable,
    /// TLS when the server offers it, unverified (`allow`, `prefer`).
    Prefer,
    /// TLS, unverified.
    Require,
    /// TLS, certificate signed by the given CA.
    VerifyCa,
    /// TLS, certificate signed by the given CA and issued for the host.
    VerifyFull,
}

/// The TLS part of a connection URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    /// `sslmode`.
    pub mode: SslMode,
    /// `sslrootcert`: the CA certificate(s) to trust, PEM.
    pub root_cert: Option<String>,
    /// `sslcert`: the client certificate, PEM.
    pub client_cert: Option<String>,
    /// `sslkey`: the client certificate's key, PEM.
    pub client_key: Option<String>,
}

fn invalid(message: impl Into<String>) -> ConnectionError {
    ConnectionError::InvalidConnectionUrl(message.into())
}

/// Splits `url` into what tokio-postgres understands and the TLS options.
pub fn parse(url: &str) -> Result<(tokio_postgres::Config, TlsOptions), ConnectionError> {
    let url = match url.trim().strip_prefix("cockroachdb://") {
        Some(rest) => format!("postgresql://{rest}"),
        None => url.trim().to_owned(),
    };
    let (base, query) = url.split_once('?').unwrap_or((&url, ""));
    let mut tls = TlsOptions {
        mode: SslMode::Prefer,
        root_cert: None,
        client_cert: None,
        client_key: None,
    };
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decoded = || percent_decode(value);
        match key {
            "sslmode" => {
                tls.mode = match decoded()?.as_str() {
                    "disable" => SslMode::Disable,
                    "allow" | "prefer" => SslMode::Prefer,
                    "require" => SslMode::Require,
                    "verify-ca" => SslMode::VerifyCa,
                    "verify-full" => SslMode::VerifyFull,
                    other => {
                        return Err(invalid(format!(
                            "sslmode={other} is not one of disable, allow, prefer, require, verify-ca, verify-full"
                        )));
                    }
                }
            }
            "sslrootcert" => tls.root_cert = Some(decoded()?),
            "sslcert" => tls.client_cert = Some(decoded()?),
            "sslkey" => tls.client_key = Some(decoded()?),
            _ => kept.push(pair),
        }
    }
    if tls.mode == SslMode::Require && tls.root_cert.is_some() {
        // libpq: a root certificate makes `require` verify the chain.
        tls.mode = SslMode::VerifyCa;
    }
    if matches!(tls.mode, SslMode::VerifyCa | SslMode::VerifyFull) && tls.root_cert.is_none() {
        return Err(invalid(
            "sslmode=verify-ca and verify-full need sslrootcert=<path to the CA certificate>",
        ));
    }
    if tls.client_cert.is_some() != tls.client_key.is_some() {
        return Err(invalid("sslcert and sslkey go together"));
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|error: tokio_postgres::Error| invalid(error.to_string()))?;
    config.ssl_mode(match tls.mode {
        SslMode::Disable => PgSslMode::Disable,
        SslMode::Prefer => PgSslMode::Prefer,
        _ => PgSslMode::Require,
    });
    Ok((config, tls))
}

fn percent_decode(value: &str) -> Result<String, ConnectionError> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = value
                    .get(i + 1..i + 3)
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                    .ok_or_else(|| invalid(format!("bad percent-encoding in {value:?}")))?;
                out.push(hex);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| invalid(format!("{value:?} is not UTF-8")))
}

/// The rustls connector for `tls`, or `None` for `sslmode=disable`.
pub fn connector(tls: &TlsOptions) -> Result<Option<MakeRustlsConnect>, ConnectionError> {
    if tls.mode == SslMode::Disable {
        return Ok(None);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|error| invalid(format!("TLS setup: {error}")))?;
    let builder = match (&tls.root_cert, tls.mode) {
        (Some(path), SslMode::VerifyFull) => builder.with_root_certificates(roots(path)?),
        (Some(path), _) => {
            let inner =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots(path)?), provider)
                    .build()
                    .map_err(|error| invalid(format!("sslrootcert={path}: {error}")))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(IgnoreHostName(inner)))
        }
        (None, SslMode::VerifyCa | SslMode::VerifyFull) => {
            return Err(invalid(
                "sslmode=verify-ca and verify-full need sslrootcert=<path to the CA certificate>",
            ));
        }
        (None, _) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(
                provider.signature_verification_algorithms,
            ))),
    };
    let config = match (&tls.client_cert, &tls.client_key) {
        (Some(cert), Some(key)) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|error| invalid(format!("sslcert={cert}: {error}")))?;
            let key = PrivateKeyDer::from_pem_file(key)
                .map_err(|error| invalid(format!("sslkey={key}: {error}")))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|error| invalid(format!("sslcert/sslkey: {error}")))?
        }
        _ => builder.with_no_client_auth(),
    };
    Ok(Some(MakeRustlsConnect::new(config)))
}

fn roots(path: &str) -> Result<RootCertStore, ConnectionError> {
    if !Path::new(path).is_file() {
        return Err(invalid(format!("sslrootcert={path}: no such file")));
    }
    let mut roots = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|error| invalid(format!("sslrootcert={path}: {error}")))?;
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(invalid(format!("sslrootcert={path}: no certificate in it")));
    }
    Ok(roots)
}

/// `verify-ca`: the chain must lead to the CA; the name may differ.
#[derive(Debug)]
struct IgnoreHostName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for IgnoreHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer`/`require` without a CA: encrypted, not authenticated (libpq's
/// meaning of those modes).
#[derive(Debug)]
struct AcceptAnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_parameters_are_taken_out_of_the_url() {
        let (config, tls) = parse(
            "cockroachdb://app@node1:26257,node2:26257/movr?sslmode=verify-full\
             &sslrootcert=%2Fcerts%2Fca.crt&application_name=movr-web",
        )
        .expect("valid");
        assert_eq!(tls.mode, SslMode::VerifyFull);
        assert_eq!(tls.root_cert.as_deref(), Some("/certs/ca.crt"));
        assert_eq!(config.get_hosts().len(), 2);
        assert_eq!(config.get_ports(), [26257, 26257]);
        assert_eq!(config.get_application_name(), Some("movr-web"));
        assert_eq!(config.get_ssl_mode(), PgSslMode::Require);
    }

    #[test]
    fn modes_follow_libpq() {
        let mode = |url: &str| parse(url).map(|(_, tls)| tls.mode);
        assert_eq!(mode("postgres://h/db").expect("default"), SslMode::Prefer);
        assert_eq!(
            mode("postgres://h/db?sslmode=disable").expect("off"),
            SslMode::Disable
        );
        assert_eq!(
            mode("postgres://h/db?sslmode=require").expect("on"),
            SslMode::Require
        );
        assert_eq!(
            mode("postgres://h/db?sslmode=require&sslrootcert=ca.crt").expect("ca"),
            SslMode::VerifyCa
        );
    }

    #[test]
    fn what_cannot_work_is_refused_with_one_clear_line() {
        for (url, says) in [
            ("postgres://h/db?sslmode=verify-full", "need sslrootcert"),
            ("postgres://h/db?sslmode=sometimes", "is not one of"),
            ("postgres://h/db?sslcert=a.crt", "go together"),
            ("postgres://h/db?sslrootcert=%zz", "percent-encoding"),
            ("mysql://h/db", "invalid"),
        ] {
            let Err(ConnectionError::InvalidConnectionUrl(message)) = parse(url) else {
                panic!("{url} was accepted");
            };
            assert!(message.contains(says), "{url}: {message}");
        }
        let Err(ConnectionError::InvalidConnectionUrl(message)) = connector(&TlsOptions {
            mode: SslMode::VerifyFull,
            root_cert: Some("/nonexistent/ca.crt".into()),
            client_cert: None,
            client_key: None,
        }) else {
            panic!("a missing CA file was accepted");
        };
        assert!(message.contains("no such file"), "{message}");
        // Verification never silently turns into "accept anything".
        assert!(
            connector(&TlsOptions {
                mode: SslMode::VerifyFull,
                root_cert: None,
                client_cert: None,
                client_key: None,
            })
            .is_err()
        );
    }
}
