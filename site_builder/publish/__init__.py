"""Write stage: the new tree staged beside the output folder and swapped in atomically."""
