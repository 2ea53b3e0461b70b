//! Captchas: five digits drawn into a small noisy PNG, each glyph unlike any other (see
//! [`render`]): a template matcher trained on 100 of them reads fewer than 5 % (a test). Each is checked once (the check
//! consumes it, right or wrong) and expires after five minutes. The answer also goes to
//! the development sink, so tests and the demo can log in.

use crate::db::{now_ms, rfc3339};
use crate::error::ApiErr;
use crate::sink::Sink;
use base64::Engine;
use rand::Rng;
use rusqlite::{Connection, OptionalExtension};
use xinbao_wire::Captcha;

const TTL_MS: i64 = 5 * 60 * 1000;
const WIDTH: usize = 120;
const HEIGHT: usize = 40;

/// The digits as strokes in a unit box (x right, y down): each a list of polylines. Drawn
/// thick and each transformed on its own, they read well to a person and differ every time
/// to a program that matches templates.
const DIGITS: [&[&[(f32, f32)]]; 10] = [
    &[&[
        (0.5, 0.0),
        (0.15, 0.15),
        (0.0, 0.5),
        (0.15, 0.85),
        (0.5, 1.0),
        (0.85, 0.85),
        (1.0, 0.5),
        (0.85, 0.15),
        (0.5, 0.0),
    ]],
    &[
        &[(0.2, 0.25), (0.55, 0.0), (0.55, 1.0)],
        &[(0.2, 1.0), (0.9, 1.0)],
    ],
    &[&[
        (0.05, 0.2),
        (0.35, 0.0),
        (0.75, 0.0),
        (0.95, 0.25),
        (0.85, 0.5),
        (0.0, 1.0),
        (1.0, 1.0),
    ]],
    &[&[
        (0.05, 0.1),
        (0.5, 0.0),
        (0.9, 0.15),
        (0.9, 0.35),
        (0.45, 0.5),
        (0.95, 0.65),
        (0.95, 0.85),
        (0.5, 1.0),
        (0.05, 0.9),
    ]],
    &[&[(0.75, 1.0), (0.75, 0.0), (0.0, 0.7), (1.0, 0.7)]],
    &[&[
        (0.95, 0.0),
        (0.1, 0.0),
        (0.05, 0.45),
        (0.6, 0.4),
        (0.95, 0.65),
        (0.85, 0.9),
        (0.45, 1.0),
        (0.05, 0.9),
    ]],
    &[&[
        (0.85, 0.05),
        (0.4, 0.05),
        (0.05, 0.5),
        (0.1, 0.9),
        (0.5, 1.0),
        (0.9, 0.85),
        (0.9, 0.6),
        (0.5, 0.5),
        (0.1, 0.65),
    ]],
    &[
        &[(0.0, 0.0), (1.0, 0.0), (0.35, 1.0)],
        &[(0.3, 0.5), (0.8, 0.5)],
    ],
    &[&[
        (0.5, 0.5),
        (0.1, 0.3),
        (0.15, 0.05),
        (0.5, 0.0),
        (0.85, 0.05),
        (0.9, 0.3),
        (0.5, 0.5),
        (0.05, 0.7),
        (0.15, 0.95),
        (0.5, 1.0),
        (0.85, 0.95),
        (0.95, 0.7),
        (0.5, 0.5),
    ]],
    &[&[
        (0.9, 0.4),
        (0.5, 0.55),
        (0.1, 0.4),
        (0.1, 0.1),
        (0.5, 0.0),
        (0.9, 0.1),
        (0.9, 0.5),
        (0.6, 0.95),
        (0.15, 1.0),
    ]],
];

pub fn issue(conn: &Connection, sink: &Sink) -> Result<Captcha, ApiErr> {
    let mut rng = rand::thread_rng();
    let answer: String = (0..5)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect();
    let id = uuid::Uuid::new_v4().to_string();
    let expires = now_ms() + TTL_MS;
    conn.execute("DELETE FROM captchas WHERE expires_at < ?1", [now_ms()])?;
    conn.execute(
        "INSERT INTO captchas (id, answer, expires_at) VALUES (?1, ?2, ?3)",
        (&id, &answer, expires),
    )?;
    sink.deliver("captcha", &id, &answer);
    let png = render(&answer, &mut rng);
    Ok(Captcha {
        captcha_id: id,
        image_png_base64: base64::engine::general_purpose::STANDARD.encode(png),
        expires_at: rfc3339(expires),
    })
}

/// Checks and consumes a captcha: a second use of the same id always fails.
pub fn check(conn: &Connection, id: &str, answer: &str) -> Result<(), ApiErr> {
    let row: Option<(String, i64)> = conn
        .query_row(
            "DELETE FROM captchas WHERE id = ?1 RETURNING answer, expires_at",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        None => Err(ApiErr::unprocessable(
            "captcha.expired",
            "the captcha is unknown, used or expired: get a new one",
        )
        .field("captcha_answer")),
        Some((_, expires)) if expires < now_ms() => Err(ApiErr::unprocessable(
            "captcha.expired",
            "the captcha expired: get a new one",
        )
        .field("captcha_answer")),
        Some((expected, _)) if expected != answer.trim() => Err(ApiErr::unprocessable(
            "captcha.wrong",
            "the captcha answer is wrong: get a new one",
        )
        .field("captcha_answer")),
        Some(_) => Ok(()),
    }
}

/// Draws the digits: each rotated, scaled, sheared, thickened and inked on its own, placed
/// so that neighbours touch, among decoy strokes, over a noisy ground; then the whole image
/// is bent by two sine waves. No two captchas share a glyph's pixels.
fn render(answer: &str, rng: &mut impl Rng) -> Vec<u8> {
    let mut px = vec![0u8; WIDTH * HEIGHT];
    let (g0, g1) = (
        rng.gen_range(200..245) as f32,
        rng.gen_range(200..245) as f32,
    );
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let ground = g0 + (g1 - g0) * x as f32 / WIDTH as f32;
            let speck = if rng.gen_ratio(1, 6) {
                rng.gen_range(-70.0..20.0)
            } else {
                0.0
            };
            px[y * WIDTH + x] = (ground + speck).clamp(0.0, 255.0) as u8;
        }
    }
    let stamp = |px: &mut Vec<u8>, x: f32, y: f32, r: f32, ink: u8| {
        let (x0, x1) = ((x - r).floor() as i32, (x + r).ceil() as i32);
        let (y0, y1) = ((y - r).floor() as i32, (y + r).ceil() as i32);
        for yy in y0..=y1 {
            for xx in x0..=x1 {
                if xx >= 0 && yy >= 0 && (xx as usize) < WIDTH && (yy as usize) < HEIGHT {
                    let d = ((xx as f32 - x).powi(2) + (yy as f32 - y).powi(2)).sqrt();
                    if d <= r {
                        px[yy as usize * WIDTH + xx as usize] = ink;
                    }
                }
            }
        }
    };
    let line = |px: &mut Vec<u8>, a: (f32, f32), b: (f32, f32), r: f32, ink: u8| {
        let steps = ((b.0 - a.0).hypot(b.1 - a.1) * 2.0).ceil().max(1.0) as usize;
        for i in 0..=steps {
            let t = i as f32 / steps as f32;
            stamp(px, a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, r, ink);
        }
    };
    let mut x = rng.gen_range(5.0..13.0f32);
    for d in answer.bytes() {
        let w = rng.gen_range(13.0..17.0f32);
        let h = rng.gen_range(21.0..27.0f32);
        let angle = rng.gen_range(-0.35..0.35f32);
        let shear = rng.gen_range(-0.25..0.25f32);
        let (cx, cy) = (x + w / 2.0, rng.gen_range(15.0..25.0f32));
        let r = rng.gen_range(1.0..1.8f32);
        let ink = rng.gen_range(0..90u8);
        let place = |(u, v): (f32, f32)| {
            let (px_, py_) = ((u - 0.5) * w + (v - 0.5) * h * shear, (v - 0.5) * h);
            (
                cx + px_ * angle.cos() - py_ * angle.sin(),
                cy + px_ * angle.sin() + py_ * angle.cos(),
            )
        };
        for stroke in DIGITS[(d - b'0') as usize] {
            for pair in stroke.windows(2) {
                line(&mut px, place(pair[0]), place(pair[1]), r, ink);
            }
        }
        // Neighbours come close or touch: no clean gap to cut the image at.
        x += w + rng.gen_range(2.0..7.0);
    }
    // Decoys: short strokes of glyph ink, and two long lines across.
    for _ in 0..rng.gen_range(3..6) {
        let a = (
            rng.gen_range(0.0..WIDTH as f32),
            rng.gen_range(0.0..HEIGHT as f32),
        );
        let b = (
            a.0 + rng.gen_range(-12.0..12.0),
            a.1 + rng.gen_range(-10.0..10.0),
        );
        line(
            &mut px,
            a,
            b,
            rng.gen_range(0.6..1.2),
            rng.gen_range(0..100),
        );
    }
    for _ in 0..2 {
        let a = (0.0, rng.gen_range(5.0..35.0f32));
        let b = (WIDTH as f32, rng.gen_range(5.0..35.0f32));
        line(&mut px, a, b, 0.7, rng.gen_range(40..120));
    }
    // The whole image bent by two sine waves.
    let (ax, px_, fx) = (
        rng.gen_range(1.5..3.5f32),
        rng.gen_range(9.0..16.0f32),
        rng.gen_range(0.0..6.3f32),
    );
    let (ay, py_, fy) = (
        rng.gen_range(1.0..2.5f32),
        rng.gen_range(14.0..30.0f32),
        rng.gen_range(0.0..6.3f32),
    );
    let src = px.clone();
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let sx = x as f32 + ax * (y as f32 / px_ + fx).sin();
            let sy = y as f32 + ay * (x as f32 / py_ + fy).sin();
            let (sx, sy) = (sx.round() as i32, sy.round() as i32);
            px[y * WIDTH + x] =
                if sx >= 0 && sy >= 0 && (sx as usize) < WIDTH && (sy as usize) < HEIGHT {
                    src[sy as usize * WIDTH + sx as usize]
                } else {
                    235
                };
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, WIDTH as u32, HEIGHT as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().expect("PNG header into memory");
        w.write_image_data(&px).expect("PNG data into memory");
    }
    out
}
