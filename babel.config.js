// Babel is used by babel-jest and bundlers; the anyio-ts Babel plugin joins this list once it exists.
module.exports = {
  presets: [["@babel/preset-typescript", { allowDeclareFields: true }]],
};
