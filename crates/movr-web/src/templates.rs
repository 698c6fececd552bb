//! The tera templates of `templates/`, compiled into the binary so that a
//! deployment is one file. Autoescaping is on for every template (their
//! names end in `.html`).

use tera::{Context, Tera};

/// Every template, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../../templates/base.html")),
    (
        "city_menu.html",
        include_str!("../../../templates/city_menu.html"),
    ),
    ("error.html", include_str!("../../../templates/error.html")),
    ("login.html", include_str!("../../../templates/login.html")),
    (
        "logout.html",
        include_str!("../../../templates/logout.html"),
    ),
    (
        "register.html",
        include_str!("../../../templates/register.html"),
    ),
    ("users.html", include_str!("../../../templates/users.html")),
    (
        "profile.html",
        include_str!("../../../templates/profile.html"),
    ),
    (
        "vehicles.html",
        include_str!("../../../templates/vehicles.html"),
    ),
    (
        "add_vehicle.html",
        include_str!("../../../templates/add_vehicle.html"),
    ),
    ("rides.html", include_str!("../../../templates/rides.html")),
    (
        "receipt.html",
        include_str!("../../../templates/receipt.html"),
    ),
    (
        "macros.html",
        include_str!("../../../templates/macros.html"),
    ),
];

/// The compiled templates, loaded once and shared.
#[derive(Debug)]
pub struct Templates {
    tera: Tera,
}

impl Templates {
    /// Compiles every template; an error names the template at fault.
    pub fn load() -> Result<Self, tera::Error> {
        let mut tera = Tera::default();
        tera.add_raw_templates(TEMPLATES.iter().copied())?;
        tera.autoescape_on(vec![".html"]);
        Ok(Self { tera })
    }

    /// Renders template `name` with `context`.
    pub fn render(&self, name: &str, context: &Context) -> Result<String, tera::Error> {
        self.tera.render(name, context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_templates_compile() {
        Templates::load().expect("templates compile");
    }

    #[test]
    fn user_text_is_escaped() {
        let templates = Templates::load().expect("templates compile");
        let mut context = Context::new();
        context.insert("status", &404);
        context.insert("title", "Not found");
        context.insert("message", "<script>alert(1)</script>");
        context.insert("request_id", "r-1");
        context.insert(
            "nav",
            &serde_json::json!({
                "city_menu": "",
                "city": {"key": "new york", "name": "New York", "slug": "new-york"},
                "region": "gcp-us-east1",
                "instance_region": "gcp-us-east1",
                "database_ms": "0.5",
                "simulated_latency": null,
                "user": null,
                "active": "",
            }),
        );
        context.insert("flashes", &Vec::<String>::new());
        context.insert("csrf_token", "t");
        let html = templates.render("error.html", &context).expect("renders");
        assert!(!html.contains("<script>alert(1)</script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }
}
