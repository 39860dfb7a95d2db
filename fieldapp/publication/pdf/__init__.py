"""PDF records rendered with WeasyPrint: a restricted URL fetcher, QR codes and the renderer."""
