"""The phone profile of the browser benches: a slow CPU and "slow 4G", through the
DevTools protocol, and the bytes a page's first load transfers.

390×844 px, CPU slowed 4× (``Emulation.setCPUThrottlingRate``), 150 ms latency,
1.6 Mbit/s down and 750 kbit/s up (``Network.emulateNetworkConditions``), the cache
off: what issue 15's targets name (``/map`` data shown ≤ 3 s, an embed ≤ 2 s and
≤ 250 KB).
"""
SIZE = {"width": 390, "height": 844}
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8,
           "uploadThroughput": 750_000 / 8}
CPU_SLOWDOWN = 4


class Transfer:
    """Bytes received on the wire (headers and compressed bodies) by one page."""

    def __init__(self, cdp):
        self.bytes = 0
        self.requests = 0
        cdp.on("Network.loadingFinished", self._finished)

    def _finished(self, event):
        self.bytes += event.get("encodedDataLength", 0)
        self.requests += 1


def phone_page(browser, viewport=None):
    """``(context, page, transfer)``: a fresh context under the phone profile."""
    context = browser.new_context(viewport=viewport or SIZE, is_mobile=True, has_touch=True)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    transfer = Transfer(cdp)
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return context, page, transfer
