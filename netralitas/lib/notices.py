"""Short notices for an agency's operators, from apps above the page that shows them
(the webhooks tell the operator's home that an endpoint was paused).

An app registers ``provider(agency_id) -> list of str`` in its ``AppConfig.ready``;
a page calls :func:`for_agency`."""

_providers = []


def register(provider):
    if provider not in _providers:
        _providers.append(provider)


def for_agency(agency_id):
    if agency_id is None:
        return []
    return [notice for provider in _providers for notice in provider(agency_id)]
