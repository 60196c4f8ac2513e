"""The PDF/A-2u invariants a sealed pact keeps, read back with pikepdf.

No PDF/A-2 validator installs offline (no veraPDF in Debian or PyPI), so these are
the rules the seal could break: the version and extensions the catalog declares,
the output intent, the XMP identification, embedded fonts, images without
interpolation, no encryption, no JavaScript."""

import io

import pikepdf


def assert_pdfa_2u(data):
    pdf = pikepdf.open(io.BytesIO(data))
    assert pdf.pdf_version == "1.7", pdf.pdf_version
    # A catalog version above the header (pyHanko's PDF 2.0 for ECDSA keys) contradicts PDF/A-2.
    assert "/Version" not in pdf.Root or str(pdf.Root.Version) in ("/1.4", "/1.5", "/1.6", "/1.7"), pdf.Root.Version
    for prefix, extension in dict(pdf.Root.get("/Extensions", {})).items():
        assert prefix == "/ESIC" and str(extension.BaseVersion) == "/1.7", (prefix, extension)
    assert not pdf.is_encrypted and "/Encrypt" not in pdf.trailer
    assert "/ID" in pdf.trailer
    intents = [intent for intent in pdf.Root.OutputIntents if intent.S == "/GTS_PDFA1"]
    assert len(intents) == 1 and "/DestOutputProfile" in intents[0]
    with pdf.open_metadata() as meta:
        assert meta.get("pdfaid:part") == "2" and meta.get("pdfaid:conformance") == "U"
    fonts = images = 0
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
            images += 1  # ISO 19005-2, 6.2.8: /Interpolate, if present, shall be false
            assert not bool(obj.get("/Interpolate", False)), "an image with /Interpolate true in a PDF/A"
        if not isinstance(obj, pikepdf.Dictionary):
            continue
        assert "/JS" not in obj and obj.get("/S") != "/JavaScript", "JavaScript in a PDF/A"
        assert "/AA" not in obj, "additional actions in a PDF/A"
        if obj.get("/Type") == "/Font" and obj.get("/Subtype") not in ("/Type3", "/Type0"):
            # Simple fonts and the descendants of composite (Type0) fonts carry the descriptor.
            fonts += 1
            descriptor = obj.FontDescriptor
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), obj
    assert fonts >= 2
    assert images >= 1  # the drawn signature, at least
    names = pdf.Root.get("/Names", {})
    assert "/JavaScript" not in names
