#![no_main]

use libfuzzer_sys::fuzz_target;

// A gzip-compressed tar, unpacked with one leading component stripped (Node.js style) and
// without (CPython style); nothing may land outside the destination.
fuzz_target!(|data: &[u8]| {
    assetpack_python::fuzz::unpack(data, false, 0);
    assetpack_python::fuzz::unpack(data, false, 1);
});
