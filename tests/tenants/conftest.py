"""Tenants for the tests: ``site(name, domain, **fields)`` makes a tenant (and the default
site once) and lets this process see it at once; ALLOWED_HOSTS is the production object, so
tenant domains are admitted because they are tenants'."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from core.hosts import AllowedHosts
from tenants.models import Tenant, TenantDomain
from tenants.resolve import VERSION_KEY, tenants_forget


@pytest.fixture
def site(settings, django_capture_on_commit_callbacks):
    settings.TENANT_CHECK_SECONDS = 0
    settings.TENANT_TRAFFIC_FLUSH_SECONDS = 0
    # Django's test set-up turned ALLOWED_HOSTS into a plain list (adding "testserver"): put
    # back the production object, whose iteration adds the tenants' domains.
    settings.ALLOWED_HOSTS = AllowedHosts(["127.0.0.1", "localhost", "testserver"])
    cache.delete(VERSION_KEY)
    tenants_forget()

    def make(name: str, domain: str, **fields) -> Tenant:
        with django_capture_on_commit_callbacks(execute=True):
            if not Tenant.objects.filter(is_default=True).exists():
                Tenant.objects.create(name="StreamVault", is_default=True)
            tenant = Tenant.objects.create(name=name, **fields)
            TenantDomain.objects.create(tenant=tenant, domain=domain, is_primary=True)
        tenants_forget()
        return tenant

    yield make
    tenants_forget()
