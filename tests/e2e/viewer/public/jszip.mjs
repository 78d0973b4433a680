// dwv imports "jszip" by bare name; the classic script defined window.JSZip.
export default window.JSZip;
