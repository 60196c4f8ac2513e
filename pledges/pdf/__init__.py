"""The signed pact PDF: WeasyPrint layout (``render``), a vector QR code and the
agency's PAdES seal (``seal``), stored once (``pledges.documents``)."""
