"""stintlab: endurance-race intelligence from official lap-by-lap timing.

>>> import stintlab
>>> callable(stintlab.load)
True
"""

from stintlab.errors import StintlabError, StintlabFormatError, StintlabUsageError
from stintlab.race import Race, load

__version__ = "0.1.0"
__all__ = ["Race", "load", "StintlabError", "StintlabFormatError", "StintlabUsageError", "__version__"]
