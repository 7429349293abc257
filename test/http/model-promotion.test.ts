import { modelSuite } from '../support/model.js'

modelSuite('promotion')
