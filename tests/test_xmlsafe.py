"""Hardened parsing: every refusal has its id, a useful message, and nothing is expanded."""
from __future__ import annotations

import pytest
from lxml import etree

from schemas.artefacts import artefact_path
from validate import xmlsafe
from validate.findings import Severity
from validate.xmlsafe import Limits, XmlRefused, parse_file, parse_xml, read_capped, serialize

BASE_EXAMPLE = "peppol-bis-billing-3.0.19/rules/examples/base-example.xml"
SECRET = "S3CRET-do-not-leak-4711"


def refusal(data: bytes, **kwargs) -> XmlRefused:
    with pytest.raises(XmlRefused) as info:
        parse_xml(data, **kwargs)
    return info.value


def all_text(refused: XmlRefused) -> str:
    """Everything a caller could show or log about a refusal."""
    return " ".join([str(refused), repr(refused), repr(refused.finding.to_dict())])


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


# --- DOCTYPE: billion laughs, XXE, external DTD --------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>
"""


def test_billion_laughs_refused_without_expansion():
    refused = refusal(BILLION_LAUGHS, source="bomb.xml")
    assert refused.rule_id == "LSS-XML-002"
    assert refused.finding.severity is Severity.FATAL
    assert refused.finding.location == "line 2"
    assert "bomb.xml, line 2: DOCTYPE declaration refused" in refused.finding.message
    assert "lollol" not in all_text(refused)


def test_external_entity_etc_passwd_refused():
    data = (b'<?xml version="1.0"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            b"<foo>&xxe;</foo>")
    refused = refusal(data)
    assert refused.rule_id == "LSS-XML-002"
    assert "root:" not in all_text(refused)


def test_external_entity_secret_never_read(secret_file):
    data = (f'<!DOCTYPE foo [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>\n'
            "<foo>&xxe;</foo>").encode()
    refused = refusal(data)
    assert refused.rule_id == "LSS-XML-002"
    assert SECRET not in all_text(refused)


def test_external_parameter_entity_refused(secret_file):
    data = (f'<!DOCTYPE foo [<!ENTITY % ext SYSTEM "{secret_file.as_uri()}"> %ext;]>\n'
            "<foo/>").encode()
    refused = refusal(data)
    assert refused.rule_id == "LSS-XML-002"
    assert SECRET not in all_text(refused)


def test_external_dtd_refused(tmp_path):
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f'<!ENTITY leak "{SECRET}"><!ATTLIST foo a CDATA "{SECRET}">')
    for system_id in (dtd.as_uri(), "http://attacker.invalid/evil.dtd"):
        refused = refusal(f'<!DOCTYPE foo SYSTEM "{system_id}">\n<foo>&leak;</foo>'.encode())
        assert refused.rule_id == "LSS-XML-002"
        assert SECRET not in all_text(refused)


def test_doctype_after_comments_and_pis_refused_with_its_line():
    data = b'<?xml version="1.0"?>\n<!-- a\ncomment -->\n<?pi x?>\n<!DOCTYPE Invoice>\n<Invoice/>'
    refused = refusal(data, source="x.xml")
    assert refused.rule_id == "LSS-XML-002"
    assert refused.finding.location == "line 5"


def test_doctype_in_utf16_refused_by_the_tree_check():
    data = ('<?xml version="1.0" encoding="UTF-16"?>\n'
            '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<foo>&xxe;</foo>').encode("utf-16")
    refused = refusal(data)
    assert refused.rule_id == "LSS-XML-002"
    assert "root:" not in all_text(refused)


def test_doctype_text_inside_a_comment_is_not_a_doctype():
    tree = parse_xml(b"<!-- <!DOCTYPE x> -->\n<a>ok</a>")
    assert tree.getroot().text == "ok"


def test_hardened_parser_itself_never_expands_entities(secret_file):
    """Defence in depth: even before the DOCTYPE refusal, the parser expands nothing."""
    data = (f'<!DOCTYPE foo [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}"><!ENTITY lol "lol">]>'
            "<foo>&xxe;&lol;</foo>").encode()
    root = etree.fromstring(data, xmlsafe.hardened_parser())
    text = etree.tostring(root).decode()
    assert SECRET not in text
    assert "&xxe;" in text and "&lol;" in text


# --- size -----------------------------------------------------------------------------------

def test_oversized_refused_before_parsing():
    refused = refusal(b"<a>" + b"x" * 100 + b"</a>", source="big.xml", limits=Limits(max_bytes=50))
    assert refused.rule_id == "LSS-XML-001"
    assert refused.finding.message == "big.xml: 107 bytes is more than the limit of 50 bytes"


def test_size_exactly_at_limit_is_accepted():
    data = b"<a>xyz</a>"
    assert parse_xml(data, limits=Limits(max_bytes=len(data))).getroot().text == "xyz"


def test_max_bytes_from_environment(monkeypatch):
    monkeypatch.setenv("LSSINVOICE_MAX_XML_BYTES", "64")
    assert Limits().max_bytes == 64
    assert refusal(b"<a>" + b" " * 64 + b"</a>").rule_id == "LSS-XML-001"
    monkeypatch.setenv("LSSINVOICE_MAX_XML_BYTES", "lots")
    with pytest.raises(ValueError, match="LSSINVOICE_MAX_XML_BYTES"):
        Limits()
    monkeypatch.delenv("LSSINVOICE_MAX_XML_BYTES")
    assert Limits().max_bytes == xmlsafe.DEFAULT_MAX_BYTES  # unset again: the default


def test_parse_file_checks_size_before_reading(tmp_path):
    path = tmp_path / "big.xml"
    path.write_bytes(b"<a>" + b"x" * 1000 + b"</a>")
    with pytest.raises(XmlRefused) as info:
        parse_file(path, Limits(max_bytes=100))
    assert info.value.rule_id == "LSS-XML-001"
    assert info.value.finding.message == f"{path}: 1007 bytes is more than the limit of 100 bytes"


def test_read_is_capped_when_stat_does_not_know_the_size():
    """/dev/zero has no size and never ends: only a capped read returns."""
    with pytest.raises(XmlRefused) as info:
        read_capped("/dev/zero", Limits(max_bytes=4096))
    assert info.value.rule_id == "LSS-XML-001"


# --- depth ----------------------------------------------------------------------------------

def nested(depth: int) -> bytes:
    return b"<a>\n" * depth + b"</a>" * depth


def test_depth_limit_configurable():
    assert parse_xml(nested(5), limits=Limits(max_depth=5)) is not None
    refused = refusal(nested(6), source="deep.xml", limits=Limits(max_depth=5))
    assert refused.rule_id == "LSS-XML-004"
    assert refused.finding.location == "line 6"
    assert refused.finding.message == "deep.xml, line 6: elements nested deeper than 5 levels"


def test_default_depth_limit_is_256():
    assert Limits().max_depth == 256
    parse_xml(nested(256))
    refused = refusal(nested(257))
    assert refused.rule_id == "LSS-XML-004"
    assert refused.finding.location == "line 257"


def test_depth_limit_applies_with_huge_tree():
    limits = Limits(max_depth=400, huge_tree=True)
    parse_xml(nested(400), limits=limits)
    assert refusal(nested(401), limits=limits).rule_id == "LSS-XML-004"


def test_very_large_depth_limit_uses_the_walk():
    """Above 1024 levels the check is a Python walk (libxml2 XPath cannot take the path)."""
    limits = Limits(max_depth=1500, huge_tree=True)
    parse_xml(nested(1500), limits=limits)
    refused = refusal(nested(1501), limits=limits)
    assert (refused.rule_id, refused.finding.location) == ("LSS-XML-004", "line 1501")
    parse_xml(nested(3), limits=Limits(max_depth=100_000, huge_tree=True))


# --- well-formedness, encoding, emptiness, IO -------------------------------------------------

def test_malformed_reports_line_and_column():
    refused = refusal(b"<Invoice>\n  <ID>1</ID>\n  <Note>x</Nota>\n</Invoice>", source="bad.xml")
    assert refused.rule_id == "LSS-XML-003"
    assert refused.finding.location == "line 3"
    assert refused.finding.message.startswith("bad.xml, line 3, column ")
    assert "not well-formed XML: Opening and ending tag mismatch: Note line 3 and Nota" in refused.finding.message


def test_invalid_utf8_is_not_well_formed():
    refused = refusal(b'<?xml version="1.0" encoding="UTF-8"?>\n<a>caf\xe9</a>')
    assert refused.rule_id == "LSS-XML-003"
    assert refused.finding.location == "line 2"
    assert "encoding" in refused.finding.message


def test_unsupported_declared_encoding_is_not_well_formed():
    refused = refusal(b'<?xml version="1.0" encoding="x-no-such-charset"?><a/>')
    assert refused.rule_id == "LSS-XML-003"
    assert "x-no-such-charset" in refused.finding.message


@pytest.mark.parametrize("data", [b"", b"  \n\t", b"\xef\xbb\xbf", b'<?xml version="1.0"?>\n<!-- nothing -->\n'])
def test_empty_input(data):
    assert refusal(data, source="e.xml").rule_id == "LSS-XML-005"


def test_text_without_markup_is_not_empty_but_malformed():
    assert refusal(b"hello").rule_id == "LSS-XML-003"


def test_str_input_is_a_programming_error():
    with pytest.raises(TypeError):
        parse_xml("<a/>")


def test_unreadable_files(tmp_path):
    for path in (tmp_path / "missing.xml", tmp_path):
        with pytest.raises(XmlRefused) as info:
            parse_file(path)
        assert info.value.rule_id == "LSS-IO-001"
        assert info.value.finding.message.startswith(f"{path}: cannot read file")


# --- the normal case ---------------------------------------------------------------------------

def test_official_example_parses_and_serializes():
    path = artefact_path(BASE_EXAMPLE)
    tree = parse_file(path)
    assert etree.QName(tree.getroot()).localname == "Invoice"
    assert tree.docinfo.URL == str(path)
    again = parse_xml(serialize(tree))
    assert etree.tostring(again) == etree.tostring(tree)
    assert serialize(tree).startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


# --- attributes and namespace declarations per element (LSS-XML-006) --------------------------

def element_with(attributes: int = 0, declarations: int = 0, *, line: int = 2) -> bytes:
    attrs = " ".join(f'a{i}="v"' for i in range(attributes))
    decls = " ".join(f'xmlns:p{i}="urn:p:{i}"' for i in range(declarations))
    return ("<r>" + "\n" * (line - 1) + f"<cbc:Note xmlns:cbc='urn:c' {attrs} {decls}>x</cbc:Note></r>").encode()


def test_too_many_attributes_is_lss_xml_006():
    # xmlns:cbc is one declaration: 999 attributes + 1 = 1000 is the limit, 1001 is over it.
    parse_xml(element_with(999))
    refused = refusal(element_with(1000, line=3), source="x.xml")
    assert refused.rule_id == "LSS-XML-006"
    assert refused.finding.location == "line 3"
    assert refused.finding.message == ("x.xml: element cbc:Note at line 3 has 1001 attributes/namespace "
                                       "declarations, more than the limit of 1000")


def test_namespace_declarations_count_with_the_attributes():
    assert "has 1001 attributes" in refusal(element_with(600, 400)).finding.message
    parse_xml(element_with(599, 400))


def test_inherited_namespaces_do_not_count_but_redundant_redeclarations_do():
    decls = " ".join(f'xmlns:p{i}="urn:p:{i}"' for i in range(800))
    attrs = " ".join(f'a{i}="v"' for i in range(300))
    parse_xml(f"<r {decls}><c {attrs}/><c {attrs}/></r>".encode())  # 800 + 300 in scope, 300 written
    refused = refusal(f"<r {decls}>\n<c {decls} {attrs}/></r>".encode())  # 800 re-declared: 1100 written
    assert (refused.rule_id, refused.finding.location) == ("LSS-XML-006", "line 2")
    assert "element c at line 2 has 1100 attributes" in refused.finding.message


def test_attribute_limit_in_utf16_and_when_many_namespaces_are_declared():
    """The byte-count shortcuts of the filter only apply to ASCII-compatible encodings and
    few declarations; the other paths find the same element."""
    data = element_with(1000).decode()
    assert refusal(data.encode("utf-16")).rule_id == "LSS-XML-006"
    decls = " ".join(f'xmlns:q{i}="urn:q:{i}"' for i in range(1500))
    refused = refusal(f"<r>\n<a {decls}/></r>".encode())
    assert refused.rule_id == "LSS-XML-006" and "element a at line 2 has 1500 " in refused.finding.message


def test_the_filter_counts_equals_signs_per_start_tag_not_per_document():
    """The filter looks for more than K "=" between one "<" and the next: "=" in text, in
    values and spread over many elements do not make a refusal; ">" in values does not hide
    one (XML forbids only "<" there)."""
    many = "".join(f'<c a="1" b="x=y">{"=" * 3}</c>' for i in range(400))  # 2,400 "=", 2 attributes each
    parse_xml(f"<r>{many}<d>{'=' * 5000}</d><!-- {'a=b ' * 1200} --></r>".encode())
    assert xmlsafe._attribute_candidates(f"<r>{many}</r>".encode(), parse_xml(f"<r>{many}</r>".encode()),
                                         1000) is False
    hidden = " ".join(f'a{i}="v>w"' for i in range(1001))
    refused = refusal(f"<r>\n<e {hidden}/>{many}</r>".encode())
    assert refused.rule_id == "LSS-XML-006" and "element e at line 2 has 1001 " in refused.finding.message


def test_attribute_limit_configurable_up_to_the_saxon_ceiling():
    parse_xml(element_with(1000), limits=Limits(max_attributes=2000))
    assert refusal(element_with(10), limits=Limits(max_attributes=10)).rule_id == "LSS-XML-006"
    ceiling = xmlsafe.MAX_ATTRIBUTES_CEILING
    parse_xml(element_with(ceiling - 1), limits=Limits(max_attributes=ceiling))  # with its xmlns:cbc: the ceiling
    with pytest.raises(ValueError, match="Schematron engine"):
        Limits(max_attributes=ceiling + 1)
    with pytest.raises(ValueError):
        Limits(max_attributes=0)


# --- text nodes above libxml2's 10,000,000-byte limit ------------------------------------------

BIG = 10_000_001  # one byte over XML_MAX_TEXT_LENGTH


def test_a_text_node_above_libxml2s_limit_is_parsed_again_with_huge_tree():
    text = b"QUJD" * (BIG // 4 + 1)
    tree = parse_xml(b"<a>\n<b>" + text + b"</b></a>")
    assert tree.getroot()[0].text.encode() == text
    assert xmlsafe.hardened_parser() is not xmlsafe.hardened_parser(huge_tree=True)


def test_after_a_big_text_node_every_other_limit_still_applies():
    big = b"A" * BIG
    refused = refusal(b"<a>" + big + b"</a>\n<b>", source="x.xml")  # not well-formed after the text
    assert (refused.rule_id, refused.finding.location) == ("LSS-XML-003", "line 2")
    assert refusal(b"<a>" + big + b"</a>", limits=Limits(max_bytes=BIG)).rule_id == "LSS-XML-001"
    assert refusal(b"<!DOCTYPE a>\n<a>" + big + b"</a>").rule_id == "LSS-XML-002"
    deep = b"<r><x>" + big + b"</x>" + nested(256) + b"</r>"  # depth 257 after the big text
    assert refusal(deep).rule_id == "LSS-XML-004"
    assert refusal(b"<r><x>" + big + b"</x>" + element_with(1000) + b"</r>").rule_id == "LSS-XML-006"


def test_other_resource_limits_are_not_retried():
    """Only text nodes are: a 10 MB attribute value is no part of a UBL document."""
    refused = refusal(b"<a b='" + b"A" * BIG + b"'/>")
    assert refused.rule_id == "LSS-XML-001"
    assert "exceeds a parser size limit" in refused.finding.message


def test_more_start_tags_than_the_element_cap_are_refused_before_parsing():
    from validate.xmlsafe import TOO_MANY_ELEMENTS

    ten = b"<r>" + b"<a/>" * 9 + b"</r>"
    parse_xml(ten, limits=Limits(max_elements=10))
    with pytest.raises(XmlRefused) as refused:
        parse_xml(b"<r>" + b"<a/>" * 10 + b"</r>", source="x.xml", limits=Limits(max_elements=10))
    assert refused.value.finding.rule_id == TOO_MANY_ELEMENTS
    assert refused.value.finding.message == ("x.xml: about 11 elements (start tags counted before parsing), "
                                             "more than the limit of 10")


def test_an_xpath_node_set_limit_in_the_checks_is_a_refusal_not_an_exception(monkeypatch):
    from lxml import etree

    import validate.xmlsafe as xmlsafe

    def node_set_too_large(*_args):
        raise etree.XPathEvalError("unknown error")

    monkeypatch.setattr(xmlsafe, "_check_depth", node_set_too_large)
    with pytest.raises(XmlRefused) as refused:
        parse_xml(b"<r/>", source="y.xml")
    assert refused.value.finding.rule_id == "LSS-XML-007"
