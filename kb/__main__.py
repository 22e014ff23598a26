"""python -m kb"""

from .cli import main

if __name__ == "__main__":  # importing the module (as tests/test_layers.py does) runs nothing
    main()
