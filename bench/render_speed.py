"""Rendering an email: the product's locale environment against jinja2's plain one.

Both render every notification type (subject, text and HTML) with the same templates, catalog
and ``_()``; the plain environment keeps jinja's defaults (a ChainMap of globals, every ``_()``
a call at render time), the product's folds ``_("words")`` at compile time. Rounds alternate;
the median per email is printed with the ratio. A benchmark: nothing asserts on time.

    .venv/bin/python -m bench.render_speed [--locale de] [--rounds 6]
"""

from __future__ import annotations

import argparse
import statistics
import time
import types

import jinja2

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import DOMAIN, PACKAGE, TYPES
from lotse.shared import i18n


def plain_environment(locale: str) -> jinja2.Environment:
    """`i18n.environment` built afresh with jinja's own behaviour back: no `_()` folded, and each
    template's globals jinja's ChainMap."""
    env = i18n.environment.__wrapped__(PACKAGE, DOMAIN, locale)
    env.constant_gettext = None
    env.make_globals = types.MethodType(jinja2.Environment.make_globals, env)  # type: ignore[method-assign]  # jinja's own, on purpose
    return env


def render_every_type(env: jinja2.Environment) -> None:
    for type_ in TYPES:
        for part in ("subject", "txt", "html"):
            env.get_template(f"email/{type_}.{part}.j2").render(SAMPLE)


def per_email_us(env: jinja2.Environment, emails: int) -> float:
    started = time.perf_counter()
    for _ in range(emails // len(TYPES)):
        render_every_type(env)
    return (time.perf_counter() - started) / (emails // len(TYPES) * len(TYPES)) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locale", default="de")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--emails", type=int, default=9000, help="emails rendered per round and environment")
    options = parser.parse_args()
    envs = {"jinja2 defaults": plain_environment(options.locale),
            "product (folded _(), flat globals)": i18n.environment(PACKAGE, DOMAIN, options.locale)}
    for env in envs.values():
        render_every_type(env)  # compile first: compiling is not rendering
    times: dict[str, list[float]] = {name: [] for name in envs}
    for _ in range(options.rounds):
        for name, env in envs.items():
            times[name].append(per_email_us(env, options.emails))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, value in medians.items():
        print(f"{name:40s} {value:7.1f} µs per email (subject, text, HTML)")
    plain, product = medians.values()
    print(f"{'product ÷ jinja2 defaults':40s} {product / plain:7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
