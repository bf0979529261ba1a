/** Debian Linux on a Generation 2 VM (the steps are in linux-suite.ts; each generation is a file, so the two boots can run side by side). */
import {linuxGuestSuite} from './linux-suite.js'

linuxGuestSuite(2)
