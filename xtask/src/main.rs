//! `cargo xtask`: maintainer chores. The web issue adds `demo`; the deploy issue adds `deploy`.

fn main() {
    eprintln!(
        "usage: cargo xtask <command>\n\nNo commands yet: `demo` and `deploy` arrive with their issues."
    );
    std::process::exit(2);
}
