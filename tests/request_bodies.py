"""A request body the test controls, for the checks that refuse a body before reading it."""

import io

MB = 1024 * 1024


class CountingInput(io.BytesIO):
    """The request body as the server would stream it, counting what the app reads: a small
    body can stand in for a large declared one, and the count shows nothing was read."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.bytes_read += len(line)
        return line
