"""nekg: the knowledge graph of the revitalization of Northeast China's old industrial bases."""

__version__ = "0.1.0"
