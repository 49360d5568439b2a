"""The hosts this deployment answers on: the operator's ``ALLOWED_HOSTS`` and whatever other
apps add (the tenants' domains), without ``core`` knowing those apps. Django checks the Host
header against ``settings.ALLOWED_HOSTS``, which is an ``AllowedHosts``: iterating it yields the
configured hosts, then every registered provider's. Providers must not do I/O (the lean ``/s/``
door calls them in an event loop)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

HostProvider = Callable[[], Iterable[str]]
PROVIDERS: list[HostProvider] = []


def hosts_provider(fn: HostProvider) -> HostProvider:
    if fn not in PROVIDERS:
        PROVIDERS.append(fn)
    return fn


class AllowedHosts(list):
    """``ALLOWED_HOSTS``: a list of the configured hosts whose iteration also yields the
    providers' hosts. ``len()`` and truthiness are the configured ones (Django's DEBUG default
    applies only when the operator configured none)."""

    def __iter__(self) -> Iterator[str]:
        yield from super().__iter__()
        for provider in PROVIDERS:
            yield from provider()


# A refusal: host → why this host answers nothing today (a suspended tenant), or None. Used by
# the doors that skip Django's middleware (``/s/``); no I/O.
HostRefusal = Callable[[str], "str | None"]
REFUSALS: list[HostRefusal] = []


def host_refusal(fn: HostRefusal) -> HostRefusal:
    if fn not in REFUSALS:
        REFUSALS.append(fn)
    return fn


def refusal_for(host: str) -> str | None:
    for refusal in REFUSALS:
        reason = refusal(host)
        if reason:
            return reason
    return None


# A refresher keeps a provider's hosts current: ``due()`` (no I/O) says whether ``refresh()``
# (which may do I/O) should run before a host is checked. The middleware-less doors call it.
Refresher = tuple[Callable[[], bool], Callable[[], None]]
REFRESHERS: list[Refresher] = []


def hosts_refresher(due: Callable[[], bool], refresh: Callable[[], None]) -> None:
    if (due, refresh) not in REFRESHERS:
        REFRESHERS.append((due, refresh))


def hosts_refresh_due() -> bool:
    return any(due() for due, _ in REFRESHERS)


def hosts_refresh() -> None:
    for due, refresh in REFRESHERS:
        if due():
            refresh()
