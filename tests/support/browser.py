"""Serving a service for a real browser, and checking pages with axe-core."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from starlette.applications import Starlette

from deploy.kafka.local import free_port
from shared.auth import SESSION_COOKIE
from shared.codes import Role
from tests.support.polling import eventually
from tests.support.staff import session_cookie

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLOCKING_IMPACTS = ("serious", "critical")
_AXE = Axe()


@asynccontextmanager
async def served(app: Starlette, name: str) -> AsyncIterator[str]:
    """``app`` under uvicorn on a free loopback port in a thread, as ``make run`` serves it; its URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()

    async def healthy() -> str | None:
        if not thread.is_alive():
            raise AssertionError(f"{name} stopped while starting; see the log above")
        if not server.started:
            return None
        url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                return url if (await client.get(f"{url}/health")).status_code == 200 else None
        except httpx.HTTPError:
            return None

    try:
        yield await eventually(healthy, f"{name} to serve /health", timeout=90)
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 30)


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    if not await asyncio.to_thread(CHROMIUM.exists):
        missing = f"the browser tests need Debian's Chromium at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("CIVIC_REQUIRE_BROWSER"):  # CI installs it: there, missing is a failure
            pytest.fail(missing)
        pytest.skip(missing)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def assert_accessible(page: Page, what: str) -> None:
    """axe-core on the page as it is: prints every finding, fails on serious or critical ones."""
    assert await page.evaluate("document.documentElement.lang") == "zh-CN"
    results = await asyncio.wait_for(_AXE.run(page), timeout=60)
    assert results.response["passes"], "axe-core checked nothing"
    violations: list[dict[str, Any]] = results.response["violations"]
    for violation in violations:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        print(f"axe [{what}] {violation['impact']} {violation['id']}: {violation['help']} — {targets}")
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe found serious or critical violations on {what}:\n" + results.generate_report()


async def posted(page: Page, button: str) -> int:
    """Click the button (by its accessible name) and wait for the page the POST leads to: its status."""
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name=button, exact=True).click()
    response = await answer.value
    await page.wait_for_load_state()
    return response.status


async def signed_in_as(
    browser: Browser,
    url: str,
    *roles: Role,
    department: str | None = "general-office",
    sub: str = "staff-1",
    name: str = "工作人员",
) -> BrowserContext:
    """A browser of its own for a member of staff, holding the session routing would have issued them
    (for another service's staff pages, which read it without asking routing)."""
    context = await browser.new_context(base_url=url, locale="zh-CN")
    cookie = session_cookie(*roles, department=department, sub=sub, name=name)
    await context.add_cookies(
        [{"name": SESSION_COOKIE, "value": cookie, "url": f"{url}/workbench", "sameSite": "Lax"}]
    )
    return context
