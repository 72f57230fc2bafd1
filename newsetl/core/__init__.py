"""The pure, compiled text core: plain data types, text reassembly, classification. No I/O frameworks."""
