//! Captchas: five digits drawn into a small noisy PNG. Each is checked once (the check
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

/// 5×7 glyphs of the digits, one row per byte (low 5 bits, leftmost pixel first).
const GLYPHS: [[u8; 7]; 10] = [
    [
        0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110,
    ],
    [
        0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110,
    ],
    [
        0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111,
    ],
    [
        0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110,
    ],
    [
        0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010,
    ],
    [
        0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110,
    ],
    [
        0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110,
    ],
    [
        0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000,
    ],
    [
        0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110,
    ],
    [
        0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100,
    ],
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

/// Draws the digits, scaled 3×, jittered, over speckle noise and two lines.
fn render(answer: &str, rng: &mut impl Rng) -> Vec<u8> {
    let mut px = vec![235u8; WIDTH * HEIGHT];
    for p in px.iter_mut() {
        if rng.gen_ratio(1, 9) {
            *p = rng.gen_range(120..200);
        }
    }
    for (i, d) in answer.bytes().enumerate() {
        let glyph = &GLYPHS[(d - b'0') as usize];
        let x0 = 8 + i * 22 + rng.gen_range(0..5);
        let y0 = 6 + rng.gen_range(0..8);
        let ink = rng.gen_range(10..70);
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..5 {
                if bits & (1 << (4 - col)) != 0 {
                    for dy in 0..3 {
                        for dx in 0..3 {
                            let (x, y) = (x0 + col * 3 + dx, y0 + row * 3 + dy);
                            if x < WIDTH && y < HEIGHT {
                                px[y * WIDTH + x] = ink;
                            }
                        }
                    }
                }
            }
        }
    }
    for _ in 0..2 {
        let (mut y, slope) = (rng.gen_range(5..35) as f32, rng.gen_range(-0.3f32..0.3));
        for x in 0..WIDTH {
            let yi = y as usize;
            if yi < HEIGHT {
                px[yi * WIDTH + x] = 90;
            }
            y = (y + slope).clamp(0.0, (HEIGHT - 1) as f32);
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
