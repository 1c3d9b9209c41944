function doZoom(size){var e=document.querySelector('.TRS_Editor');if(e){e.style.fontSize=size+'px';}}
function createPageHTML(count,current,prefix,ext){}
