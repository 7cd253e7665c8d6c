#![no_main]

use libfuzzer_sys::fuzz_target;

// First byte: bit 0 = hard link, bit 1 = has a link target, bits 2-3 = components to strip;
// the rest is `path\0link target`.
fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (path, link) = text.split_once('\0').unwrap_or((text, ""));
    let link = (flags & 2 != 0).then_some(link);
    assetpack_python::fuzz::tar_entry(path, link, flags & 1 != 0, usize::from(flags >> 2 & 3));
});
