"""The email edition: inlined-CSS HTML, plain text, formula images and the MIME message."""
