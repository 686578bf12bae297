#!/usr/bin/env python
from regionbridge.cli import main

if __name__ == "__main__":
    main()
