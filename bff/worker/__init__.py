"""`kabao worker`: settling pendings, watching NOT_FOUND legs and delivering notifications on a schedule."""
