"""The pact's PDF: ``pact`` makes it (layout, composition, QR code, seal),
``certificates`` holds the agency certificates that seal it. The general PDF
engine shared with the other printables is ``netralitas.lib.pdf``."""
