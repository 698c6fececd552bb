//! End-to-end tests of MovR live in `tests/`; the web issue adds the HTTP and browser suites.
