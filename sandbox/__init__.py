"""The sandbox card system and host-app simulator (a separate process; bff/ never imports it)."""
