"""Unit tests for the pure parts of assetpack_django.py (no Django needed).

Run by `cargo test` (src/django.rs), or directly: python3 src/django/assetpack_django_test.py
"""

import functools
import importlib.util
import json
import os
import pathlib
import unittest

_spec = importlib.util.spec_from_file_location(
    "assetpack_django", os.path.join(os.path.dirname(os.path.abspath(__file__)), "assetpack_django.py")
)
helper = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helper)


def immutable_file_test(path, url):
    return True


class Headers:
    def __init__(self, name):
        self.name = name

    def __call__(self, headers, path, url):
        headers["X"] = self.name


class Opaque:
    __slots__ = ()


class CanonicalTest(unittest.TestCase):
    def test_values_are_the_same_across_runs(self):
        value = {
            "test": immutable_file_test,
            "cls": Headers,
            "instance": Headers("a"),
            "path": pathlib.Path("/app/static"),
            "items": ("a", 1, None, True),
            "set": {"png", "gz", "br"},
            "partial": functools.partial(immutable_file_test, "x"),
            "lambda": lambda headers, path, url: None,
        }
        self.assertEqual(
            helper.canonical(value),
            {
                "cls": {"callable": f"{__name__}.Headers"},
                "instance": {"object": f"{__name__}.Headers", "attributes": {"name": "a"}},
                "items": ["a", 1, None, True],
                "lambda": {"callable": f"{__name__}.CanonicalTest.test_values_are_the_same_across_runs.<locals>.<lambda>"},
                "partial": {
                    "partial": {"callable": f"{__name__}.immutable_file_test"},
                    "args": ["x"],
                    "keywords": {},
                },
                "path": "/app/static",
                "set": {"set": ["br", "gz", "png"]},
                "test": {"callable": f"{__name__}.immutable_file_test"},
            },
        )
        self.assertNotIn("0x", json.dumps(helper.canonical(value)))

    def test_values_with_no_stable_form_are_unstable(self):
        with self.assertRaises(helper.Unstable):
            helper.canonical(Opaque())
        with self.assertRaises(helper.Unstable):
            helper.canonical([object()])

    def test_unstable_settings_are_named_and_left_out(self):
        class Settings:
            STATIC_URL = "/static/"
            WHITENOISE_MAX_AGE = 60
            WHITENOISE_OPAQUE = Opaque()

        shaping, unstable = helper.shaping_settings(Settings())
        self.assertEqual(unstable, ["WHITENOISE_OPAQUE"])
        self.assertEqual(shaping["WHITENOISE_MAX_AGE"], "60")
        self.assertEqual(shaping["STATIC_URL"], '"/static/"')
        self.assertEqual(shaping["STORAGES"], "null")


class FsnameTest(unittest.TestCase):
    def test_escapes_percent_and_bytes_that_are_not_utf8(self):
        self.assertEqual(helper.fsname("css/site.css"), "css/site.css")
        self.assertEqual(helper.fsname("100%.txt"), "100%25.txt")
        self.assertEqual(helper.fsname(os.fsdecode(b"caf\xe9/x\xff.txt")), "caf%E9/x%FF.txt")
        self.assertEqual(helper.fsname("ünï"), "ünï")


if __name__ == "__main__":
    unittest.main()
