"""The runtime side of the designer: callbacks it calls (``hooks``), the stress test (``stress``)."""
