/* jpage: draws the list and POSTs dataproxy.jsp for further groups */
