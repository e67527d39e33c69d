//! Photos: decoded and written again, so that nothing of what the camera
//! recorded (EXIF: the camera, the time, the GPS position; XMP; comments)
//! survives — turned upright first by their orientation tag — and made
//! smaller for the web (1600 px) and for lists (320 px). GIFs are kept as
//! they are (they carry no camera metadata, and writing them again would
//! lose their animation), with the same smaller sizes.

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use std::io::Cursor;

/// The longest side of the web size.
pub const WEB: u32 = 1600;
/// The longest side of the thumbnail.
pub const THUMBNAIL: u32 = 320;
/// The largest photo taken (its bytes are decoded in memory).
pub const LIMIT: u64 = 40 * 1024 * 1024;
/// The most pixels a photo may have (a 100-megapixel camera's).
const PIXELS: u32 = 12_000;

/// A photo made ready to keep.
#[derive(Debug)]
pub struct Cleaned {
    /// The photo without metadata, in its own format (`content_type`).
    pub main: Vec<u8>,
    /// Its type.
    pub content_type: &'static str,
    /// Its width and height.
    pub size: (u32, u32),
    /// At most [`WEB`] px, JPEG (PNG when it has transparency).
    pub web: (Vec<u8>, &'static str),
    /// At most [`THUMBNAIL`] px, the same format as `web`.
    pub thumbnail: (Vec<u8>, &'static str),
}

fn encode(img: &DynamicImage, format: ImageFormat) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    match format {
        ImageFormat::Jpeg => {
            let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 88).encode_image(&rgb)?;
        }
        other => img.write_to(&mut Cursor::new(&mut out), other)?,
    }
    Ok(out)
}

/// Cleans the photo `bytes` of type `content_type` (JPEG, PNG, WebP or GIF).
///
/// # Errors
/// When the bytes do not decode as such a photo.
pub fn clean(bytes: &[u8], content_type: &str) -> anyhow::Result<Cleaned> {
    let (format, content_type) = match content_type {
        "image/jpeg" => (ImageFormat::Jpeg, "image/jpeg"),
        "image/png" => (ImageFormat::Png, "image/png"),
        "image/webp" => (ImageFormat::WebP, "image/webp"),
        "image/gif" => (ImageFormat::Gif, "image/gif"),
        other => anyhow::bail!("{other} is not a photo"),
    };
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(PIXELS);
    limits.max_image_height = Some(PIXELS);
    reader.limits(limits);
    let mut decoder = reader.into_decoder()?;
    let orientation = decoder.orientation()?;
    let mut img = DynamicImage::from_decoder(decoder)?;
    img.apply_orientation(orientation);
    let main = if format == ImageFormat::Gif {
        bytes.to_vec()
    } else {
        encode(&img, format)?
    };
    let (small_format, small_type) = if img.color().has_alpha() {
        (ImageFormat::Png, "image/png")
    } else {
        (ImageFormat::Jpeg, "image/jpeg")
    };
    let fit = |side: u32| {
        if img.width().max(img.height()) <= side {
            img.clone()
        } else {
            img.resize(side, side, image::imageops::FilterType::Triangle)
        }
    };
    Ok(Cleaned {
        main,
        content_type,
        size: (img.width(), img.height()),
        web: (encode(&fit(WEB), small_format)?, small_type),
        thumbnail: (
            encode(
                &fit(THUMBNAIL).thumbnail(THUMBNAIL, THUMBNAIL),
                small_format,
            )?,
            small_type,
        ),
    })
}

/// A JPEG of `width` × `height` with an EXIF block that names a camera and
/// a GPS position, and with orientation 6 (turned 90° clockwise), for tests.
pub fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
    let img = DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            u8::try_from(x % 256).unwrap_or(0),
            u8::try_from(y % 256).unwrap_or(0),
            90,
        ])
    }));
    let plain = encode(&img, ImageFormat::Jpeg).expect("a JPEG in memory");
    // TIFF, little-endian: IFD0 with Make, Orientation and the GPS IFD's offset; the GPS IFD with a latitude.
    let mut tiff: Vec<u8> = b"II*\0\x08\0\0\0".to_vec();
    let entry = |tag: u16, kind: u16, count: u32, value: u32| {
        let mut e = tag.to_le_bytes().to_vec();
        e.extend(kind.to_le_bytes());
        e.extend(count.to_le_bytes());
        e.extend(value.to_le_bytes());
        e
    };
    let make = b"TestCamera GPS\0";
    // IFD0 at 8: 3 entries (2 + 36 + 4 bytes), then Make's text, then the GPS IFD.
    let make_at = 8 + 2 + 3 * 12 + 4;
    let gps_at = make_at + u32::try_from(make.len()).unwrap_or(0);
    tiff.extend(3u16.to_le_bytes());
    tiff.extend(entry(
        0x010f,
        2,
        u32::try_from(make.len()).unwrap_or(0),
        make_at,
    ));
    tiff.extend(entry(0x0112, 3, 1, 6));
    tiff.extend(entry(0x8825, 4, 1, gps_at));
    tiff.extend(0u32.to_le_bytes());
    tiff.extend_from_slice(make);
    // GPS IFD: latitude ref "N".
    tiff.extend(1u16.to_le_bytes());
    tiff.extend(entry(0x0001, 2, 2, u32::from(b'N')));
    tiff.extend(0u32.to_le_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut out = plain[..2].to_vec();
    out.extend([0xff, 0xe1]);
    out.extend(u16::try_from(app1.len() + 2).unwrap_or(0).to_be_bytes());
    out.extend(app1);
    out.extend_from_slice(&plain[2..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_photo_loses_its_metadata_stands_upright_and_gets_smaller_sizes() {
        let photo = jpeg_with_exif(1700, 850);
        assert!(contains(&photo, b"TestCamera GPS") && contains(&photo, b"Exif\0\0"));
        let cleaned = clean(&photo, "image/jpeg").unwrap();
        assert!(!contains(&cleaned.main, b"TestCamera") && !contains(&cleaned.main, b"Exif\0\0"));
        // Orientation 6: the 1700 × 850 picture stands 850 × 1700.
        assert_eq!(cleaned.size, (850, 1700));
        let web = image::load_from_memory(&cleaned.web.0).unwrap();
        assert_eq!((web.width(), web.height()), (800, 1600));
        let thumbnail = image::load_from_memory(&cleaned.thumbnail.0).unwrap();
        assert_eq!(thumbnail.height(), 320);
        assert_eq!(cleaned.web.1, "image/jpeg");
        // The same photo cleans to the same bytes (the same file).
        assert_eq!(clean(&photo, "image/jpeg").unwrap().main, cleaned.main);
        assert!(clean(b"not a photo", "image/jpeg").is_err());
    }
}
