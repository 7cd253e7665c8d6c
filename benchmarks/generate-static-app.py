#!/usr/bin/env python3
"""Generates a static-heavy Django app for benchmarks/staticfiles.sh.

    benchmarks/generate-static-app.py OUT_DIR [--files 2000] [--megabytes 50] [--seed 1] [--measure]

Copies test-fixtures/django_static_app to OUT_DIR and adds an app `synth` (listed in
mysite/extra_apps.py, which the fixture's settings read when it exists) holding about FILES
static files totalling about MEGABYTES MB under synth/static/synth/pkgNN/, laid out like
vendored front-end packages:

    pkgNN/js/*.js        36 % of the files, 40 % of the bytes; the largest end with a
                         `//# sourceMappingURL=` comment naming their .map
    pkgNN/js/*.js.map     4 % of the files, 12 % of the bytes
    pkgNN/css/*.css      20 % of the files, 12 % of the bytes; base.css plus files with 2-6
                         url() references to the package's images and fonts (unquoted, quoted,
                         with ?v=, #iefix or ?#iefix), a data: URI and an absolute URL each;
                         a quarter of them @import base.css
    pkgNN/img/*.png      30 % of the files, 24 % of the bytes, random bytes
    pkgNN/fonts/*.woff2  10 % of the files, 12 % of the bytes, random bytes

JS, CSS and map text is generated code (statements from templates, identifiers drawn from a
per-package vocabulary, random literals), so it compresses like real bundles (brotli ~0.3),
while images and fonts are incompressible, as real ones are. The output depends only on the
arguments: the same seed gives byte-identical files. --measure also prints the compression
ratio of the generated text (brotli when the module is importable, else gzip).

OUT_DIR must not exist, be empty, or be a previous output of this script (it is replaced).
"""

import argparse
import math
import random
import shutil
import sys
import zlib
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "test-fixtures" / "django_static_app"
MARKER = ".generated-static-app"

# Share of the file count and of the bytes per kind.
COUNT_SHARE = {"js": 0.36, "css": 0.20, "map": 0.04, "png": 0.30, "woff2": 0.10}
BYTE_SHARE = {"js": 0.40, "css": 0.12, "map": 0.12, "png": 0.24, "woff2": 0.12}
# Log-normal spread of the sizes and the smallest/largest file per kind.
SIGMA = {"js": 1.1, "css": 0.9, "map": 0.6, "png": 1.0, "woff2": 0.5}
MIN_SIZE = {"js": 300, "css": 300, "map": 500, "png": 200, "woff2": 4000}
MAX_SIZE = {"js": 1_000_000, "css": 300_000, "map": 1_500_000, "png": 400_000, "woff2": 200_000}

WORDS = """
account action active adapter alert anchor animate api app array aside async avatar badge
banner base batch bind block body border bounds box breadcrumb buffer button cache calendar
callback canvas caption card carousel cart cell chart check child chip class clear click
client clip close code collapse color column command compare component config confirm
container content context control counter cursor data date debounce default delay dialog
diff dispatch display dock document drag drawer drop dropdown editor element empty entry
error event expand export factory feed field figure file filter flag flex focus footer form
format frame gallery grid group handle handler header height helper hidden history hook
hover icon image index init inline input insert item key label layer layout lazy link list
listener load locale lock logger main map margin mask media menu merge message meta modal
mode model module mount nav node notice number object observer offset option order outline
overlay page pager panel parent parse patch path picker pill pipe placeholder plugin popover
portal position preview price primary progress prompt props provider proxy query queue radio
range ratio reader record reducer ref region render reply request reset resize resolve
response result route row rule scale schema scope screen scroll search section select
selector sequence service session shadow sheet side signal size slide slider slot sort
source span spinner split stack state status step store stream style submit suffix summary
switch symbol sync tab table tag target task template text theme thumb tick timer title
toast toggle token toolbar tooltip track transform transition tree trigger type update upload
user value view viewport visible watch widget width window wrapper zone
""".split()

JS_KEYWORDS_GLOBALS = (
    "document window console Math JSON Object Array Promise Number String Date Error Symbol "
    "Map Set WeakMap navigator location setTimeout clearTimeout requestAnimationFrame"
).split()
CSS_PROPS = {
    "display": lambda r: r.choice(["block", "flex", "inline-block", "grid", "none", "inline-flex"]),
    "position": lambda r: r.choice(["relative", "absolute", "fixed", "sticky"]),
    "margin": lambda r: box(r),
    "padding": lambda r: box(r),
    "width": lambda r: length(r),
    "height": lambda r: length(r),
    "max-width": lambda r: length(r),
    "min-height": lambda r: length(r),
    "top": lambda r: length(r),
    "left": lambda r: length(r),
    "color": lambda r: colour(r),
    "background-color": lambda r: colour(r),
    "border": lambda r: f"{r.randint(0, 4)}px {r.choice(['solid', 'dashed', 'dotted'])} {colour(r)}",
    "border-radius": lambda r: length(r),
    "font-size": lambda r: f"{r.choice([0.75, 0.8125, 0.875, 1, 1.125, 1.25, 1.5, 2])}rem",
    "font-weight": lambda r: r.choice(["400", "500", "600", "700", "bold", "normal"]),
    "line-height": lambda r: r.choice(["1", "1.2", "1.25", "1.4", "1.5", "1.75", "normal"]),
    "opacity": lambda r: f"{r.randint(0, 100) / 100:g}",
    "z-index": lambda r: str(r.randint(1, 1100)),
    "box-shadow": lambda r: f"0 {r.randint(0, 8)}px {r.randint(0, 24)}px rgba(0, 0, 0, {r.randint(5, 40) / 100:g})",
    "transition": lambda r: f"{r.choice(['opacity', 'transform', 'color', 'all'])} {r.randint(1, 6) * 50}ms {r.choice(['ease', 'ease-in-out', 'linear'])}",
    "transform": lambda r: r.choice([f"translateY({r.randint(-20, 20)}px)", f"scale({r.randint(90, 110) / 100:g})", f"rotate({r.randint(0, 360)}deg)"]),
    "cursor": lambda r: r.choice(["pointer", "default", "not-allowed", "text"]),
    "overflow": lambda r: r.choice(["hidden", "auto", "visible", "scroll"]),
    "text-align": lambda r: r.choice(["left", "center", "right", "justify"]),
    "align-items": lambda r: r.choice(["center", "flex-start", "flex-end", "stretch", "baseline"]),
    "justify-content": lambda r: r.choice(["center", "space-between", "flex-start", "flex-end"]),
    "gap": lambda r: length(r),
    "white-space": lambda r: r.choice(["nowrap", "normal", "pre-wrap"]),
}
CSS_PROP_NAMES = list(CSS_PROPS)


def box(r):
    return " ".join(length(r) for _ in range(r.choice([1, 2, 4])))


def length(r):
    unit = r.choice(["px", "px", "px", "rem", "em", "%", "vh"])
    if unit == "px":
        return f"{r.randint(0, 640)}px"
    if unit in ("rem", "em"):
        return f"{r.randint(0, 48) / 8:g}{unit}"
    return f"{r.randint(0, 100)}{unit}"


def colour(r):
    if r.random() < 0.35:
        return f"rgba({r.randint(0, 255)}, {r.randint(0, 255)}, {r.randint(0, 255)}, {r.randint(1, 99) / 100:g})"
    return "#" + "".join(r.choice("0123456789abcdef") for _ in range(r.choice([3, 6])))


class Vocabulary:
    """Identifiers of one package: camelCase word pairs, drawn with a Zipf-like bias."""

    def __init__(self, r, size):
        names = set()
        while len(names) < size:
            first, second = r.choice(WORDS), r.choice(WORDS)
            style = r.random()
            if style < 0.5:
                name = first + second.capitalize()
            elif style < 0.7:
                name = first
            elif style < 0.85:
                name = "_" + first + second.capitalize()
            else:
                name = first.capitalize() + second.capitalize()
            names.add(name)
        self.names = sorted(names)
        r.shuffle(self.names)
        cumulative, total = [], 0.0
        for w in (1 / (i + 1) ** 0.9 for i in range(len(self.names))):
            total += w
            cumulative.append(total)
        self.cumulative = cumulative
        self.r = r
        self.pool = []

    def pick(self):
        if not self.pool:
            self.pool = self.r.choices(self.names, cum_weights=self.cumulative, k=8192)
        return self.pool.pop()

    def fresh(self):
        """A new identifier (as bundlers produce for locals): word + random suffix."""
        return self.r.choice(WORDS) + self.r.choice(["", "_", "$"]) + format(self.r.getrandbits(16), "x")


def js_string(r):
    kind = r.random()
    if kind < 0.4:
        return " ".join(r.choice(WORDS) for _ in range(r.randint(1, 6))).capitalize() + r.choice(["", ".", "!", ":"])
    if kind < 0.7:
        return "-".join(r.choice(WORDS) for _ in range(r.randint(1, 3)))
    if kind < 0.85:
        return "/api/v" + str(r.randint(1, 3)) + "/" + "/".join(r.choice(WORDS) for _ in range(r.randint(1, 3)))
    return format(r.getrandbits(32), "08x")


def js_number(r):
    kind = r.random()
    if kind < 0.5:
        return str(r.randint(0, 10))
    if kind < 0.8:
        return str(r.randint(0, 100_000))
    if kind < 0.9:
        return f"{r.random() * 100:.{r.randint(1, 4)}f}"
    return "0x" + format(r.getrandbits(24), "x")


def js_expr(r, v, depth=0):
    kind = r.random()
    if depth > 1 or kind < 0.25:
        return r.choice([v.pick(), v.pick(), js_number(r), f'"{js_string(r)}"', "this", "null", "!0", "void 0"])
    if kind < 0.45:
        return f"{v.pick()}.{v.pick()}({js_expr(r, v, depth + 1)}, {js_expr(r, v, depth + 1)})"
    if kind < 0.6:
        op = r.choice(["+", "-", "*", "===", "!==", "&&", "||", "<", ">=", "??"])
        return f"{js_expr(r, v, depth + 1)} {op} {js_expr(r, v, depth + 1)}"
    if kind < 0.7:
        return f"{v.pick()}[{js_expr(r, v, depth + 1)}]"
    if kind < 0.8:
        return f"{r.choice(JS_KEYWORDS_GLOBALS)}.{v.pick()}({js_expr(r, v, depth + 1)})"
    if kind < 0.9:
        return "{ " + ", ".join(f"{v.pick()}: {js_expr(r, v, depth + 1)}" for _ in range(r.randint(1, 4))) + " }"
    return f"[{', '.join(js_expr(r, v, depth + 1) for _ in range(r.randint(0, 4)))}]"


def js_function(r, v, indent):
    pad = "  " * indent
    name = v.pick()
    params = [v.fresh() if r.random() < 0.3 else v.pick() for _ in range(r.randint(0, 4))]
    lines = [f"{pad}function {name}({', '.join(params)}) {{"]
    for _ in range(r.randint(2, 9)):
        lines.append(js_statement(r, v, indent + 1, params))
    lines.append(f"{pad}  return {js_expr(r, v)};")
    lines.append(pad + "}")
    return "\n".join(lines)


def js_statement(r, v, indent, params=()):
    pad = "  " * indent
    kind = r.random()
    target = r.choice(params) if params and r.random() < 0.4 else v.pick()
    if kind < 0.25:
        return f"{pad}{r.choice(['var', 'let', 'const'])} {v.fresh() if r.random() < 0.5 else v.pick()} = {js_expr(r, v)};"
    if kind < 0.45:
        return f"{pad}{target}.{v.pick()} = {js_expr(r, v)};"
    if kind < 0.6:
        return (f"{pad}if ({js_expr(r, v)}) {{\n{pad}  {v.pick()}({js_expr(r, v)});\n"
                f"{pad}}} else {{\n{pad}  {target} = {js_expr(r, v)};\n{pad}}}")
    if kind < 0.7:
        i = r.choice("ijkn")
        return (f"{pad}for (var {i} = 0; {i} < {target}.length; {i}++) {{\n"
                f"{pad}  {v.pick()}.push({target}[{i}].{v.pick()});\n{pad}}}")
    if kind < 0.8:
        return f"{pad}{v.pick()}.{r.choice(['addEventListener', 'on', 'subscribe'])}(\"{js_string(r)}\", function ({v.pick()}) {{ {v.pick()}({js_expr(r, v)}); }});"
    if kind < 0.9:
        return f"{pad}{target}({js_expr(r, v)}, {js_expr(r, v)});"
    return f"{pad}try {{ {v.pick()}({js_expr(r, v)}); }} catch ({v.fresh()}) {{ console.error(\"{js_string(r)}\"); }}"


def js_module(r, v):
    """One top-level chunk: a function, a prototype method, a constant table or a statement."""
    kind = r.random()
    if kind < 0.45:
        return js_function(r, v, 1)
    if kind < 0.7:
        cls, method = v.pick(), v.pick()
        params = [v.pick() for _ in range(r.randint(0, 3))]
        body = "\n".join(js_statement(r, v, 2, params) for _ in range(r.randint(1, 6)))
        return f"  {cls}.prototype.{method} = function ({', '.join(params)}) {{\n{body}\n    return this;\n  }};"
    if kind < 0.8:
        entries = ",\n".join(f'    {v.pick()}: {js_number(r) if r.random() < 0.5 else chr(34) + js_string(r) + chr(34)}'
                             for _ in range(r.randint(2, 10)))
        return f"  var {v.pick().upper()} = {{\n{entries}\n  }};"
    return js_statement(r, v, 1)


def minify(text):
    """A crude minifier: indentation and newlines dropped (bundle-style long lines)."""
    return "".join(line.strip() for line in text.splitlines())


def make_js(r, v, size, header, map_name):
    parts = [header, "(function (global, factory) {", '  "use strict";']
    total = sum(len(p) + 1 for p in parts)
    minified = r.random() < 0.35
    while total < size:
        chunk = js_module(r, v)
        if minified:
            chunk = minify(chunk)
        parts.append(chunk)
        total += len(chunk) + 1
    parts.append("})(this);")
    if map_name:
        parts.append(f"//# sourceMappingURL={map_name}")
    return "\n".join(parts) + "\n"


def make_css(r, v, size, header, refs, imports_base):
    parts = [header]
    if imports_base:
        parts.append('@import url("base.css");')
    prefix = r.choice(WORDS)[:3]
    ref_lines = list(refs)
    extra = [
        'url("data:image/svg+xml;charset=utf-8,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27 viewBox=%270 0 8 8%27%3E%3Cpath d=%27M0 0h8v8H0z%27/%3E%3C/svg%3E")',
        f"url(https://cdn.example.com/{r.choice(WORDS)}/{format(r.getrandbits(24), 'x')}.png)",
    ]
    total = sum(len(p) + 1 for p in parts)
    rule_count = 0
    while total < size or ref_lines or extra:
        block = r.choice(WORDS)
        selector = f".{prefix}-{block}"
        if r.random() < 0.5:
            selector += f"__{r.choice(WORDS)}"
        if r.random() < 0.3:
            selector += f"--{r.choice(WORDS)}"
        if r.random() < 0.25:
            selector += r.choice([":hover", ":focus", "::before", "::after", ":not(.is-disabled)", " > li"])
        if r.random() < 0.2:
            selector += f",\n.{prefix}-{r.choice(WORDS)}"
        decls = []
        for name in r.sample(CSS_PROP_NAMES, r.randint(2, 8)):
            decls.append(f"  {name}: {CSS_PROPS[name](r)};")
        if ref_lines and (total >= size or r.random() < 0.2):
            ref = ref_lines.pop()
            if ref.startswith("@"):
                parts.append(ref)
                total += len(ref) + 1
            else:
                decls.append(ref)
        elif extra and (total >= size or r.random() < 0.1):
            decls.append(f"  background-image: {extra.pop()};")
        rule = selector + " {\n" + "\n".join(decls) + "\n}"
        rule_count += 1
        if rule_count % 40 == 0:
            rule = f"@media (min-width: {r.choice([480, 576, 768, 992, 1200])}px) {{\n{rule}\n}}"
        parts.append(rule)
        total += len(rule) + 1
    return "\n".join(parts) + "\n"


def css_refs(r, images, fonts):
    """2-6 references to the package's PNG/WOFF2 files, in the usual spellings: background
    declarations for images, @font-face rules for fonts."""
    refs = []
    for _ in range(r.randint(2, 6)):
        pool = []
        if images:
            pool.append("img")
        if fonts:
            pool.append("font")
        if not pool:
            break
        if r.choice(pool) == "img":
            target = "../img/" + r.choice(images)
            form = r.choice(["bare", "double", "single", "version"])
            url = {"bare": f"url({target})", "double": f'url("{target}")', "single": f"url('{target}')",
                   "version": f'url("{target}?v={r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 9)}")'}[form]
            refs.append(f"  background: {r.choice(['transparent', colour(r)])} {url} no-repeat;")
        else:
            target = "../fonts/" + r.choice(fonts)
            family = r.choice(WORDS).capitalize() + " " + r.choice(["Sans", "Icons", "Mono", "Serif"])
            form = r.choice(["double", "version", "iefix", "qiefix", "single"])
            url = {"double": f'url("{target}")', "single": f"url('{target}')",
                   "version": f'url("{target}?v={r.randint(1, 6)}.{r.randint(0, 9)}.0")',
                   "iefix": f'url("{target}#iefix")', "qiefix": f"url({target}?#iefix)"}[form]
            refs.append(f'@font-face {{\n  font-family: "{family}";\n  src: {url} format("woff2");\n'
                        f'  font-display: {r.choice(["swap", "block", "fallback"])};\n}}')
    return refs


BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def vlq(value):
    """Source map base64 VLQ encoding of one signed integer."""
    n = (-value << 1) | 1 if value < 0 else value << 1
    out = ""
    while True:
        digit, n = n & 31, n >> 5
        out += BASE64[digit | (32 if n else 0)]
        if not n:
            return out


def make_map(r, v, size, js_name):
    sources = [f"webpack:///./src/{r.choice(WORDS)}/{r.choice(WORDS)}.js" for _ in range(r.randint(2, 12))]
    names = sorted({v.pick() for _ in range(80)})
    # mappings (about 40 % of the bytes): segments of deltas (generated column, source, original
    # line, original column[, name]); small deltas dominate, as in real maps.
    target = size * 2 // 5
    lines, mapped = [], 0
    while mapped < target:
        segments = []
        for _ in range(r.randint(1, 40)):
            fields = [r.randint(1, 60) if r.random() < 0.9 else r.randint(60, 3000)]
            fields.append(0 if r.random() < 0.9 else r.randint(-3, 3))
            fields.append(r.choice([0, 0, 0, 1, 1, 2, -1]) if r.random() < 0.95 else r.randint(-400, 400))
            fields.append(r.randint(-30, 30) if r.random() < 0.8 else r.randint(-200, 200))
            if r.random() < 0.4:
                fields.append(r.randint(-20, 20))
            segments.append("".join(vlq(f) for f in fields))
        line = ",".join(segments)
        lines.append(line)
        mapped += len(line) + 1
    content_size = max(200, size - mapped - 300)
    content = make_js(r, v, content_size, "/* source */", None)
    escaped = content.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return (
        '{"version":3,"file":"' + js_name + '","sources":['
        + ",".join(f'"{s}"' for s in sources) + '],"names":['
        + ",".join(f'"{n}"' for n in names) + '],"mappings":"' + ";".join(lines)
        + '","sourcesContent":["' + escaped + '"]}\n'
    )


def binary(r, size, magic):
    return magic + r.randbytes(max(0, size - len(magic)))


def sizes(r, kind, count, budget):
    """`count` log-normal sizes that sum to about `budget`, clamped to the kind's range."""
    if count == 0:
        return []
    weights = [r.lognormvariate(0, SIGMA[kind]) for _ in range(count)]
    lo, hi = MIN_SIZE[kind], max(MAX_SIZE[kind], 2 * budget // count)
    values = [budget * w / sum(weights) for w in weights]
    for _ in range(5):
        values = [min(max(x, lo), hi) for x in values]
        free = [i for i, x in enumerate(values) if lo < x < hi]
        excess = budget - sum(values)
        free_total = sum(values[i] for i in free)
        if not free or abs(excess) < budget * 0.001 or free_total == 0:
            break
        for i in free:
            values[i] += excess * values[i] / free_total
    return [int(min(max(x, lo), hi)) for x in values]


def split_counts(files):
    counts = {k: int(files * share) for k, share in COUNT_SHARE.items()}
    # Hand out the rounding remainder in a fixed order, then make sure each kind exists.
    for k in ["js", "png", "css", "woff2", "map"]:
        if sum(counts.values()) >= files:
            break
        counts[k] += 1
    for k in counts:
        counts[k] = max(counts[k], 1)
    return counts


def prepare_out_dir(out):
    if out.exists():
        if not out.is_dir():
            sys.exit(f"{out} exists and is not a directory")
        if any(out.iterdir()):
            if not (out / MARKER).exists():
                sys.exit(f"{out} is not empty and was not made by this script; refusing to replace it")
            shutil.rmtree(out)
    shutil.copytree(
        FIXTURE,
        out,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "staticfiles", "fake-bucket"),
    )
    (out / MARKER).write_text("made by benchmarks/generate-static-app.py; safe to delete\n")


def generate(out, files, megabytes, seed):
    r = random.Random(seed)
    counts = split_counts(files)
    budget = megabytes * 1_000_000
    size_of = {k: sizes(r, k, counts[k], int(budget * BYTE_SHARE[k])) for k in counts}
    packages = max(1, min(20, round(files / 100)))
    root = out / "synth" / "static" / "synth"

    # Names first, so CSS can reference the package's images and fonts.
    def names(ext, n):
        result = []
        for i in range(n):
            result.append((i % packages, f"{r.choice(WORDS)}-{r.choice(WORDS)}-{i}.{ext}"))
        return result

    pngs = names("png", counts["png"])
    fonts = names("woff2", counts["woff2"])
    scripts = names("js", counts["js"])
    styles = names("css", counts["css"])
    pkg_images = {p: [n for q, n in pngs if q == p] for p in range(packages)}
    pkg_fonts = {p: [n for q, n in fonts if q == p] for p in range(packages)}
    vocab = {p: Vocabulary(r, 500) for p in range(packages)}

    written = {k: [0, 0] for k in counts}

    def write(kind, rel, data):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode()
        path.write_bytes(data)
        written[kind][0] += 1
        written[kind][1] += len(data)

    for (p, name), size in zip(pngs, size_of["png"]):
        write("png", f"pkg{p:02d}/img/{name}", binary(r, size, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
    for (p, name), size in zip(fonts, size_of["woff2"]):
        write("woff2", f"pkg{p:02d}/fonts/{name}", binary(r, size, b"wOF2\x00\x01\x00\x00"))

    # The largest scripts get a source map each.
    js_sizes = size_of["js"]
    by_size = sorted(range(len(scripts)), key=lambda i: (-js_sizes[i], i))
    with_map = dict(zip(by_size[: counts["map"]], size_of["map"]))
    for i, ((p, name), size) in enumerate(zip(scripts, js_sizes)):
        header = f"/*! synth pkg{p:02d}/{name} v{r.randint(0, 9)}.{r.randint(0, 30)}.{r.randint(0, 9)} | build {format(r.getrandbits(48), '012x')} | MIT License */"
        map_name = name + ".map" if i in with_map else None
        write("js", f"pkg{p:02d}/js/{name}", make_js(r, vocab[p], size, header, map_name))
        if map_name:
            write("map", f"pkg{p:02d}/js/{map_name}", make_map(r, vocab[p], with_map[i], name))

    seen_base = set()
    for (p, name), size in zip(styles, size_of["css"]):
        is_base = p not in seen_base
        seen_base.add(p)
        if is_base:
            name = "base.css"
        header = f"/*! synth pkg{p:02d}/{name} | build {format(r.getrandbits(48), '012x')} */"
        refs = [] if is_base else css_refs(r, pkg_images[p], pkg_fonts[p])
        imports_base = not is_base and r.random() < 0.25
        write("css", f"pkg{p:02d}/css/{name}", make_css(r, vocab[p], size, header, refs, imports_base))

    (out / "synth" / "__init__.py").write_text("")
    (out / "mysite" / "extra_apps.py").write_text(
        '"""Written by benchmarks/generate-static-app.py: apps added to INSTALLED_APPS."""\n\n'
        'EXTRA_APPS = ["synth"]\n'
    )
    return written


def measure(root):
    """Compression ratio of the generated text (js, css, map)."""
    try:
        import brotli

        name, compress = "brotli (quality 11)", brotli.compress
    except ImportError:
        name, compress = "gzip -9 (brotli not importable)", lambda data: zlib.compress(data, 9)
    raw = packed = 0
    for path in sorted(root.rglob("*")):
        if path.suffix in (".js", ".css", ".map"):
            data = path.read_bytes()
            raw += len(data)
            packed += len(compress(data))
    return name, packed / raw if raw else math.nan


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--megabytes", type=float, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--measure", action="store_true", help="print the compression ratio of the text files")
    args = parser.parse_args()
    if args.files < 10 or args.megabytes <= 0:
        parser.error("--files must be >= 10 and --megabytes > 0")

    out = args.out_dir.resolve()
    prepare_out_dir(out)
    written = generate(out, args.files, args.megabytes, args.seed)
    total_files = sum(n for n, _ in written.values())
    total_bytes = sum(b for _, b in written.values())
    print(f"generated {total_files} static files, {total_bytes / 1e6:.1f} MB, in {out}/synth/static/synth")
    for kind, (n, b) in written.items():
        print(f"  .{kind:<6} {n:5d} files {b / 1e6:7.1f} MB")
    if args.measure:
        name, ratio = measure(out / "synth" / "static" / "synth")
        print(f"compressed/original for .js/.css/.map with {name}: {ratio:.3f}")


if __name__ == "__main__":
    main()
