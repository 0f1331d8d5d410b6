'use strict';
/** @param {unknown} value */
module.exports = (value) => value;
