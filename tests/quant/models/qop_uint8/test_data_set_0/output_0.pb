BoutputJ
×£>®G@®Gá¿GázÀ