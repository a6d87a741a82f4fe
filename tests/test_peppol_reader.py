"""peppol.reader internals: the fast child-path lookups equal lxml's ElementPath."""
from __future__ import annotations

from pathlib import Path


def test_child_paths_find_what_elementpath_finds():
    """The reader's fast child walk gives the elements lxml's find/findall give, in order,
    for every path the reader asks, over every official example and a document where only
    the second of two parents has the child."""
    import glob
    import re

    from lxml import etree

    from peppol import reader
    from schemas.artefacts import artefacts_dir

    source = Path(reader.__file__).read_text()
    paths = sorted(set(re.findall(r'"((?:cac|cbc):[A-Za-z]+(?:/(?:cac|cbc):[A-Za-z]+)*)"', source)))
    assert len(paths) > 80
    examples = sorted(glob.glob(str(artefacts_dir() / "peppol-bis-billing-3.0.19" / "**" / "*.xml"), recursive=True))
    tricky = (f'<Invoice xmlns="{reader.codes.UBL_INVOICE_NS}" xmlns:cac="{reader.NS["cac"]}" '
              f'xmlns:cbc="{reader.NS["cbc"]}"><cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>'
              '</cac:PaymentMeans><cac:PaymentMeans><cac:PayeeFinancialAccount><cbc:ID>A</cbc:ID>'
              '</cac:PayeeFinancialAccount></cac:PaymentMeans></Invoice>').encode()
    assert len(examples) > 20
    roots = [etree.fromstring(tricky)] + [etree.parse(f).getroot() for f in examples[::12]]
    compared = 0
    for root in roots:
        for el in root.iter():
            for path in paths:
                assert reader._all(el, path) == el.findall(path, reader.NS)
                assert reader._find(el, path) is el.find(path, reader.NS)
                compared += 1
    assert reader._find(roots[0], "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID").text == "A"
    assert compared > 100_000
