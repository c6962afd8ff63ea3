"""The demo workspace: synthetic transactions (``data``), the build (``build``) and live
traffic for the scoring service (``traffic``)."""
