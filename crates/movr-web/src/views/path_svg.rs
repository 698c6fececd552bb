//! A ride's path as a small inline SVG line: the ride history's picture of
//! each ride, and the ride page's picture without JavaScript (map.js puts
//! the Leaflet map in its place). Drawn on the server from the points the
//! page has already loaded, so it costs no request and no script, and the
//! security policy (no inline styles) holds: the look is in `movr.css`.

use std::fmt::Write;

use geo_types::Point;

/// The size of a drawing, in CSS pixels.
#[derive(Debug, Clone, Copy)]
pub struct SvgSize {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// The history's thumbnails.
pub const THUMBNAIL: SvgSize = SvgSize {
    width: 120,
    height: 72,
};

/// The ride page's drawing (without JavaScript).
pub const LARGE: SvgSize = SvgSize {
    width: 480,
    height: 288,
};

/// Room left around the line, in pixels, so its ends' dots are whole.
const MARGIN: f64 = 6.0;

/// `points` (longitude, latitude; the first is where the ride started) as
/// an `<svg>` of `size` labelled `label` (escaped here): a line through
/// them, a dot where it starts and one where it ends, fitted to the box
/// with north up and the east-west scale corrected for the latitude. Empty
/// when there is no point to draw.
pub fn path_svg(points: &[Point<f64>], size: SvgSize, label: &str) -> String {
    let Some(projected) = project(points, size) else {
        return String::new();
    };
    let mut svg = String::with_capacity(160 + projected.len() * 12);
    // Writing to a String cannot fail.
    let _ = write!(
        svg,
        "<svg class=\"path-svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         role=\"img\" aria-label=\"{label}\" data-testid=\"path\">",
        w = size.width,
        h = size.height,
        label = tera::escape_html(label),
    );
    if projected.len() > 1 {
        svg.push_str("<polyline class=\"path-line\" points=\"");
        for (n, (x, y)) in projected.iter().enumerate() {
            let _ = write!(svg, "{}{x:.1},{y:.1}", if n == 0 { "" } else { " " });
        }
        svg.push_str("\"/>");
    }
    let dot = |svg: &mut String, class: &str, (x, y): (f64, f64)| {
        let _ = write!(
            svg,
            "<circle class=\"{class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\"/>"
        );
    };
    if let (Some(&first), Some(&last)) = (projected.first(), projected.last()) {
        dot(&mut svg, "path-start", first);
        if projected.len() > 1 {
            dot(&mut svg, "path-end", last);
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The points in the box's pixels: an equirectangular projection around
/// their mean latitude, scaled alike on both axes to fit inside the margin
/// and centred. `None` without a point.
fn project(points: &[Point<f64>], size: SvgSize) -> Option<Vec<(f64, f64)>> {
    let first = points.first()?;
    let mean_latitude = points.iter().map(|p| p.y()).sum::<f64>() / points.len() as f64;
    let squeeze = mean_latitude.to_radians().cos();
    let flat: Vec<(f64, f64)> = points.iter().map(|p| (p.x() * squeeze, -p.y())).collect();
    let (mut min, mut max) = (
        (first.x() * squeeze, -first.y()),
        (first.x() * squeeze, -first.y()),
    );
    for &(x, y) in &flat {
        min = (min.0.min(x), min.1.min(y));
        max = (max.0.max(x), max.1.max(y));
    }
    let (width, height) = (f64::from(size.width), f64::from(size.height));
    let span = (max.0 - min.0, max.1 - min.1);
    let room = (width - 2.0 * MARGIN, height - 2.0 * MARGIN);
    // A single spot (or points on one spot) sits in the middle.
    let scale = match (span.0 > 0.0, span.1 > 0.0) {
        (false, false) => 0.0,
        (true, false) => room.0 / span.0,
        (false, true) => room.1 / span.1,
        (true, true) => (room.0 / span.0).min(room.1 / span.1),
    };
    let offset = (
        (width - span.0 * scale) / 2.0,
        (height - span.1 * scale) / 2.0,
    );
    Some(
        flat.into_iter()
            .map(|(x, y)| {
                (
                    offset.0 + (x - min.0) * scale,
                    offset.1 + (y - min.1) * scale,
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pixels(svg: &str) -> Vec<(f64, f64)> {
        let Some(start) = svg.find("points=\"") else {
            return Vec::new();
        };
        let rest = &svg[start + 8..];
        rest[..rest.find('"').expect("closing quote")]
            .split(' ')
            .map(|pair| {
                let (x, y) = pair.split_once(',').expect("x,y");
                (x.parse().expect("x"), y.parse().expect("y"))
            })
            .collect()
    }

    #[test]
    fn no_point_draws_nothing_and_one_point_is_a_dot_in_the_middle() {
        assert_eq!(path_svg(&[], THUMBNAIL, "path"), "");
        let svg = path_svg(&[Point::new(12.49, 41.89)], THUMBNAIL, "path");
        assert!(!svg.contains("polyline"), "{svg}");
        assert!(
            svg.contains("<circle class=\"path-start\" cx=\"60.0\" cy=\"36.0\""),
            "{svg}"
        );
        assert!(!svg.contains("path-end"), "{svg}");
    }

    #[test]
    fn the_line_fits_the_box_with_north_up_and_true_proportions() {
        // Rome: 0.01° east is ~830 m there, 0.01° north ~1,110 m.
        let points = [
            Point::new(12.48, 41.89),
            Point::new(12.49, 41.89),
            Point::new(12.49, 41.90),
        ];
        let svg = path_svg(&points, THUMBNAIL, "A ride <in> Rome & co");
        assert!(
            svg.contains("aria-label=\"A ride &lt;in&gt; Rome &amp; co\""),
            "{svg}"
        );
        let line = pixels(&svg);
        assert_eq!(line.len(), 3, "{svg}");
        for &(x, y) in &line {
            assert!(
                (MARGIN - 0.05..=120.0 - MARGIN + 0.05).contains(&x),
                "{svg}"
            );
            assert!((MARGIN - 0.05..=72.0 - MARGIN + 0.05).contains(&y), "{svg}");
        }
        // East is right, north is up.
        assert!(line[1].0 > line[0].0 && (line[1].1 - line[0].1).abs() < 0.1);
        assert!(line[2].1 < line[1].1 && (line[2].0 - line[1].0).abs() < 0.1);
        // The taller leg fills the height; the east leg is ~0.745 of it.
        let (east, north) = (line[1].0 - line[0].0, line[1].1 - line[2].1);
        assert!((north - 60.0).abs() < 0.1, "{svg}");
        assert!((east / north - 0.745).abs() < 0.01, "{east} / {north}");
        assert!(svg.contains("class=\"path-end\""), "{svg}");
    }
}
