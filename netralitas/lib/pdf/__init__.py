"""The PDF engine every official document uses: WeasyPrint with one safe fetcher,
shared fonts and stylesheets per process, and the agency letterhead.

``engine`` lays documents out and writes them (``render_pdf`` for a printable,
``renderer()`` for code that needs the layout, like the pact); ``fetcher`` is
WeasyPrint's only way to files while rendering. The pact itself — composition,
QR code and seal — is ``pledges.pdf.pact``.
"""
