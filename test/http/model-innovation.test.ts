import { modelSuite } from '../support/model.js'

modelSuite('innovation')
