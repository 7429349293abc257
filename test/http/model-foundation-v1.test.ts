import { modelSuite } from '../support/model.js'

// Version 1 stays in service for the projects started on it (docs/versions.md).
modelSuite('foundation', 1)
