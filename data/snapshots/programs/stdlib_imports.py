"""The heap of a program that has imported a large part of the standard library.

Module objects, their dicts, functions, classes with their method tables and MROs, and the
import system's caches: long-lived, deeply cyclic (every function refers to its module's dict,
which refers back to it), the shape of any large Python application after start-up."""
import importlib

MODULES = """
abc argparse ast asyncio base64 bisect calendar collections concurrent.futures configparser
contextlib copy csv dataclasses datetime decimal difflib email email.parser enum fnmatch fractions
functools getopt gettext glob gzip hashlib heapq hmac html html.parser http.client http.server
inspect io ipaddress itertools json logging logging.handlers lzma mailbox mimetypes
multiprocessing numbers operator optparse os pathlib pickle pkgutil platform plistlib pprint
queue random re shlex shutil signal socket socketserver statistics string struct subprocess
tarfile tempfile textwrap threading timeit tokenize traceback types typing unittest urllib.parse
urllib.request uuid warnings weakref xml.dom.minidom xml.etree.ElementTree zipfile
""".split()

for name in MODULES:
    importlib.import_module(name)
